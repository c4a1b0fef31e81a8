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


def test_no_line_starts_with_a_marker():
    """Markdown reads a line that starts with "<!--" as an HTML block: the paragraph breaks
    there and the line's Markdown is not rendered. tools/figures.py reflows such lines."""
    misplaced = [f"{os.path.relpath(path, ROOT)}:{line}" for path in figures.documents()
                 for line in figures.marker_lines(open(path, encoding="utf-8").read())]
    assert not misplaced, "lines starting with <!--fig (run python tools/figures.py): " + \
        ", ".join(misplaced)


def test_reflow_moves_a_word_onto_a_line_that_starts_with_a_marker():
    fence = "```\n<!--fig b-->2<!--/fig-->\n```"
    assert figures.reflow("one two\n<!--fig a-->1%<!--/fig--> x\n\n" + fence) == \
        "one\ntwo <!--fig a-->1%<!--/fig--> x\n\n" + fence
    assert figures.reflow("one\n  <!--fig a-->1%<!--/fig--> x") == "one <!--fig a-->1%<!--/fig--> x"


def test_command_transcripts_match_their_commands():
    """README's `lenet5.data info` transcript, and docs/results/mnist_sample.json whose counts
    MNIST/README.md quotes, are what the command prints: tools/transcripts.py --check."""
    assert not transcripts.stale()


def test_the_test_durations_table_is_the_records():
    """README's table of where make test's time goes comes from docs/results/test_durations.json
    (tools/suite_durations.py --table rewrites it)."""
    import re
    import suite_durations
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"<!-- test-durations:start -->\n(.*?)\n<!-- test-durations:end -->",
                      text, re.S)
    assert table and table.group(1) == suite_durations.table(suite_durations.read_record()).strip(), \
        "the table is not the record's: python tools/suite_durations.py --table"
