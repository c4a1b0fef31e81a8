"""Every measured figure the course text quotes between <!--fig NAME--> markers equals what its
source (a notebook's stored output, or a script's JSON) says: tools/figures.py --check."""
import os
import sys

from helpers import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import figures  # noqa: E402
import transcripts  # noqa: E402


def test_quoted_figures_match_their_sources():
    stale = figures.stale(write=False)
    assert not stale, "\n".join(f"{doc}: {name} quotes {quoted!r}, its source says {measured!r}"
                                f" (run python tools/figures.py)"
                                for doc, name, quoted, measured in stale)


def test_every_registered_figure_is_found_in_its_source():
    for name, source in figures.registry().items():
        assert figures.value(name, source)


def test_a_stale_figure_is_caught(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("accuracy <!--fig nb03.test_accuracy-->12.34%<!--/fig--> here\n")
    monkeypatch.setattr(figures, "documents", lambda: [str(page)])
    (doc, name, quoted, measured), = figures.stale(write=False)
    assert (name, quoted) == ("nb03.test_accuracy", "12.34%") and measured.endswith("%")
    figures.stale(write=True)
    assert page.read_text() == (f"accuracy <!--fig nb03.test_accuracy-->{measured}"
                                "<!--/fig--> here\n")


def test_command_transcripts_match_their_commands():
    """README's `lenet5.data info` transcript, and docs/results/mnist_sample.json whose counts
    MNIST/README.md quotes, are what the command prints: tools/transcripts.py --check."""
    assert not transcripts.stale()
