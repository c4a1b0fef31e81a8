"""The command transcripts that README.md and docs/ show: run the commands, put their output
between the documents' markers.

    python tools/transcripts.py                # rewrite every transcript
    python tools/transcripts.py data-info      # one of them
    python tools/transcripts.py --check        # exit 1 if a transcript of fixed output differs

* ``data-info``: ``python -m lenet5.data info MNIST/``, in README.md ("The inspector"), and its
  ``--json`` in docs/results/mnist_sample.json, which MNIST/README.md quotes through
  ``tools/figures.py``. It depends on the shipped files only: ``--check`` compares it.
* ``doctor``: ``lenet5 doctor``, in docs/DEVICES_AND_DISTRIBUTED.md. It depends on the machine
  and on what else runs on it, so the text says when it was run; ``--check`` leaves it alone.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
from lenet5.atomic import replace_marked, write_json  # noqa: E402

SAMPLE_JSON = os.path.join(ROOT, "docs", "results", "mnist_sample.json")


def output(*args):
    """What ``python ARGS`` prints, run from the repository with its own ``src`` first."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.path.join(ROOT, "src")] + [p for p in [os.environ.get("PYTHONPATH")] if p])}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"error: python {' '.join(args)} failed: "
                         f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return done.stdout


def data_info():
    """README's inspector block: the training split in full, the test split's first line."""
    lines = output("-m", "lenet5.data", "info", "MNIST/").splitlines()
    test = next(i for i, line in enumerate(lines) if line.startswith("  test:"))
    shown = "\n".join(lines[:test + 1] + ["    ..."])
    return {"README.md": f"```text\n$ python -m lenet5.data info MNIST/\n{shown}\n```"}


def sample_json():
    return json.loads(output("-m", "lenet5.data", "info", "MNIST/", "--json"))


def doctor():
    text = output("-c", "import sys, lenet5.cli; sys.exit(lenet5.cli.main(['doctor']))")
    now = datetime.datetime.now(datetime.timezone.utc)
    return {"docs/DEVICES_AND_DISTRIBUTED.md":
            f"On the 2-core CPU machine these docs were measured on, {now:%Y-%m-%d %H:%M} UTC "
            f"(`python tools/transcripts.py doctor`):\n\n```\n{text.rstrip()}\n```"}


TRANSCRIPTS = {"data-info": data_info, "doctor": doctor}
FIXED = ("data-info",)  # output that depends on the repository only


def marked(path, name):
    """The text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` in ``path``."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    start, end = f"<!-- {name}:start -->\n", f"\n<!-- {name}:end -->"
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


def stale():
    """What differs between the transcripts of fixed output and their commands' output."""
    found = [f"{path}: the {name} transcript differs from the command's output"
             for name in FIXED for path, text in TRANSCRIPTS[name]().items()
             if marked(path, name) != text]
    with open(SAMPLE_JSON, encoding="utf-8") as f:
        if json.load(f) != sample_json():
            found.append(f"{os.path.relpath(SAMPLE_JSON, ROOT)} differs from "
                         "`python -m lenet5.data info MNIST/ --json`")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"which transcripts: {', '.join(TRANSCRIPTS)} (default: all)")
    parser.add_argument("--check", action="store_true",
                        help=f"only compare the transcripts of fixed output ({', '.join(FIXED)})")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(TRANSCRIPTS))
    if unknown:
        parser.error(f"unknown transcript {', '.join(unknown)}; choose from "
                     f"{', '.join(TRANSCRIPTS)}")
    if args.check:
        found = stale()
        for line in found:
            print(f"{line} (run python tools/transcripts.py)")
        return 1 if found else 0
    for name in args.names or TRANSCRIPTS:
        for path, text in TRANSCRIPTS[name]().items():
            if not replace_marked(os.path.join(ROOT, path), name, text):
                print(f"error: no {name} markers in {path}", file=sys.stderr)
                return 2
            print(f"{path}: {name} rewritten")
        if name == "data-info":
            write_json(SAMPLE_JSON, sample_json())
            print(f"{os.path.relpath(SAMPLE_JSON, ROOT)} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
