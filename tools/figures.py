"""Measured figures quoted in the course text, from the one place that measured them.

A lesson (or README, or doc) quotes a measured number between two markers:

    the network reaches <!--fig nb03.test_accuracy-->96.25%<!--/fig--> on the test split

and ``course/figures*.json`` say where that number comes from: a stored output of a notebook
cell (a regular expression over the cell's text output) or a JSON file a script wrote (a key
path and a format):

    "nb03.test_accuracy": {"notebook": "03_training", "cell": "03-11",
                           "pattern": "test accuracy (\\S+%)"}
    "recipe.course.accuracy": {"json": "docs/results/recipes.json",
                               "key": "course.accuracy", "format": "{:.2%}"}

    python tools/figures.py            # rewrite every marked figure from its source
    python tools/figures.py --check    # list the figures that differ; exit 1 if any (a test)

``make notebooks`` re-runs the notebooks; this then brings the text up to date, and
``tests/test_figures.py`` fails while any quoted figure differs from its source.
"""
import argparse
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = os.path.join(ROOT, "course", "figures*.json")  # figures.json, figures-05.json, ...
# The documents that may quote figures.
DOCUMENTS = ("README.md", "course/*.md", "docs/*.md", "MNIST/README.md")
MARKER = re.compile(r"<!--fig ([\w.\-]+)-->(.*?)<!--/fig-->", re.S)
# A line that starts with a marker (after up to 3 spaces) is an HTML block to Markdown: it
# breaks the paragraph there and its Markdown is not rendered.
LINE_START = re.compile(r"^ {0,3}<!--fig ")


class FigureError(Exception):
    pass


def cell_text(notebook, cell_id):
    """The text outputs (streams, Markdown and text/plain results) of one cell of a notebook."""
    path = os.path.join(ROOT, "notebooks", notebook + ".ipynb")
    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    for cell in cells:
        if cell.get("id") == cell_id:
            parts = []
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text" in output:
                    parts.append("".join(output["text"]))
                elif "text/markdown" in data:  # a table shown with IPython's Markdown
                    parts.append("".join(data["text/markdown"]))
                elif "text/plain" in data:
                    parts.append("".join(data["text/plain"]))
            return "".join(parts)
    raise FigureError(f"{notebook}: no cell with id {cell_id!r}")


def value(name, source):
    """The figure ``name`` as its source gives it, formatted as the text quotes it."""
    if "notebook" in source:
        text = cell_text(source["notebook"], source["cell"])
        match = re.search(source["pattern"], text)
        if not match:
            raise FigureError(f"{name}: {source['pattern']!r} not found in the output of "
                              f"{source['notebook']} cell {source['cell']}")
        return match.group(1)
    with open(os.path.join(ROOT, source["json"]), encoding="utf-8") as f:
        data = json.load(f)
    for key in source["key"].split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return source.get("format", "{}").format(data)


def registry():
    """{name: source} from every registry file; a name may be defined once only."""
    sources = {}
    for path in sorted(glob.glob(REGISTRY)):
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)
        twice = sorted(set(entries) & set(sources))
        if twice:
            raise FigureError(f"{os.path.relpath(path, ROOT)}: {', '.join(twice)} defined twice")
        sources.update(entries)
    return sources


def documents():
    for pattern in DOCUMENTS:
        yield from sorted(glob.glob(os.path.join(ROOT, pattern)))


def marker_lines(text):
    """Line numbers (1-based) outside code fences that start with a figure marker."""
    lines, fenced = [], False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and LINE_START.match(line):
            lines.append(number)
    return lines


def reflow(text):
    """Move the last word of the line before each line that starts with a marker onto the
    start of that line (or join the two when no word can move), so that no line starts with
    one. A marker that opens a paragraph needs a word before it: that is left to the writer."""
    out, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        before = out[-1] if out else ""
        if (fenced or not LINE_START.match(line) or not before.strip()
                or before.lstrip().startswith(("|", "#"))):
            out.append(line)
            continue
        indent = re.match(r" *", line).group()
        head, _, word = before.rstrip().rpartition(" ")
        if head.strip() and "<!--" not in word and not LINE_START.match(head):
            out[-1], line = head.rstrip(), f"{indent}{word} {line.lstrip()}"
            out.append(line)
        else:
            out[-1] = f"{before.rstrip()} {line.lstrip()}"
    return "\n".join(out)


def stale(write=False):
    """``[(document, name, quoted, measured)]`` for every quoted figure that differs from its
    source (after rewriting them all, with ``write``)."""
    sources, values, found = registry(), {}, []
    for path in documents():
        with open(path, encoding="utf-8") as f:
            text = f.read()

        def check(match):
            name, quoted = match.group(1), match.group(2)
            if name not in sources:
                raise FigureError(f"{os.path.relpath(path, ROOT)}: figure {name!r} is not in "
                                  "course/figures.json")
            if name not in values:
                values[name] = value(name, sources[name])
            if quoted != values[name]:
                found.append((os.path.relpath(path, ROOT), name, quoted, values[name]))
            return f"<!--fig {name}-->{values[name]}<!--/fig-->"

        new = MARKER.sub(check, text)
        if write:
            new = reflow(new)
        if write and new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only list the quoted figures that differ from their source")
    args = parser.parse_args(argv)
    try:
        differences = stale(write=not args.check)
    except FigureError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for document, name, quoted, measured in differences:
        print(f"{document}: {name} quotes {quoted!r}, its source says {measured!r}"
              + ("" if args.check else " (rewritten)"))
    return 1 if differences and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
