"""The Chinese edition (zh_CN), built from the English course and its translation catalogues.

One source: the English notebooks and lessons. The catalogues under i18n/zh_CN/ hold only the
translations, each with the English text it was translated from:

  i18n/zh_CN/notebooks/NN_name.yml  markdown cells by cell id ({en, zh}); for code cells, the
                                    comments, plot labels and exercise hints they change
                                    ({cell id: {English text: Chinese text}})
  i18n/zh_CN/course/NAME.yml        a lesson's Markdown blocks ({en, zh} pairs, in order)
  i18n/zh_CN/README.yml             README.zh-CN.md: README.md's blocks up to `stop_at`

From them this script writes notebooks_zh/ (a sibling of notebooks/, so "../MNIST" works), course/zh/
and README.zh-CN.md. A Chinese code cell is its English cell with those texts replaced, nothing
else (tests/test_translations.py checks with `ast`); measured numbers (the <!--fig--> markers) are
copied from the English text, never translated. Run the Chinese notebooks after a build
(`python tools/run_notebooks.py notebooks_zh/*.ipynb`; `make notebooks` does both).

  python tools/translate.py build      write the Chinese files (fails on anything untranslated)
  python tools/translate.py status     list what is untranslated or stale (exit 1 if anything)
  python tools/translate.py skeleton   add empty entries for what is untranslated
  python tools/translate.py fill CATALOGUE ZH.yml   put translations written apart into a catalogue
      ZH.yml for a notebook: {markdown: {cell id: zh}, code: {cell id: [zh, ...]}} (in the
      catalogue's order; null drops a text, "=" keeps the English); for a lesson:
      {blocks: {b001: zh, ...}, comments: [zh, ...]} (the `id` the skeleton gives each block;
      the comments of the lesson's code blocks in the catalogue's order)
"""
import argparse
import ast
import copy
import difflib
import glob
import io
import json
import os
import posixpath
import re
import sys
import tokenize

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5.atomic import atomic_path  # noqa: E402
CATALOGUES = os.path.join(ROOT, "i18n", "zh_CN")
NOTEBOOKS, NOTEBOOKS_ZH = "notebooks", "notebooks_zh"
COURSE, COURSE_ZH = "course", "course/zh"
README, README_ZH = "README.md", "README.zh-CN.md"
LANG = "zh_CN"
# The one change to code: every notebook's set-up cell sets the plot style, the Chinese one with
# Chinese labels and a font that has their glyphs.
BUILTIN = {"plots.use_style()": f'plots.use_style(lang="{LANG}")'}
# Comments that are instructions to tools, never translated.
MARKERS = re.compile(r"^(NBVAL_\w+|(BEGIN|END) (SOLUTION|TESTS?|QUESTION|TEST CONFIG)\b.*|SOLUTION|"
                     r"noqa\b.*|type: ignore.*|pragma\b.*|fmt: \w+)$")
REGION = re.compile(r"(<!-- ([\w-]+):start -->\n)(.*?)(<!-- \2:end -->)", re.S)
FIG = re.compile(r"(<!--fig ([\w.\-]+)-->)(.*?)(<!--/fig-->)", re.S)
# A comment in a lesson's fenced code: after two spaces, or a whole line (the text is group 2).
CODE_COMMENT = re.compile(r"(^\s*#|\s{2,}#) (.+)$", re.M)
LINK = re.compile(r"(\]\()([^)\s]+)(\))")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
PLOT_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "text", "annotate", "legend",
              "curves", "digit_grid", "channels", "architecture", "probabilities", "bar", "plot",
              "barh", "scatter", "hist", "imshow", "set_xticklabels", "set_yticklabels", "figtext"}
PLOT_KEYWORDS = {"label", "title", "xlabel", "ylabel", "titles", "labels"}


class TranslationError(Exception):
    pass


# ---------------------------------------------------------------------------------------- YAML
class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, text):
    style = "|" if "\n" in text and not re.search(r"[ \t]\n|[^\S\n]$", text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data, path):
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


def load_yaml(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


# ------------------------------------------------------------------------------------ helpers
def read_text(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def read_notebook(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def source(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def mask_figures(text):
    """The text with every measured value left out: a new measurement does not make a
    translation stale."""
    return FIG.sub(lambda m: m.group(1) + m.group(4), text)


def copy_figures(zh, en):
    """Put the English text's measured values into the Chinese text's markers."""
    values = {m.group(2): m.group(3) for m in FIG.finditer(en)}

    def put(m):
        if m.group(2) not in values:
            raise TranslationError(f"figure marker {m.group(2)!r} is not in the English text")
        return m.group(1) + zh_value(values[m.group(2)]) + m.group(4)
    out = FIG.sub(put, zh)
    missing = set(values) - {m.group(2) for m in FIG.finditer(zh)}
    if missing:
        raise TranslationError(f"figure markers missing from the translation: {sorted(missing)}")
    return out


def zh_value(value):
    """A measured value as Chinese writes it: a list "9, 2 and 8" becomes "9、2 和 8"."""
    m = re.fullmatch(r"([\w.%]+(?:, [\w.%]+)*),? and ([\w.%]+)", value)
    return f"{'、'.join(m.group(1).split(', '))} 和 {m.group(2)}" if m else value


def needs_translation(text):
    """Whether a Markdown block holds English prose (not only code, numbers, markers, links)."""
    rest = FIG.sub("", text)
    rest = re.sub(r"<!--.*?-->", "", rest, flags=re.S)
    rest = re.sub(r"`[^`]*`", "", rest)
    rest = re.sub(r"\]\([^)]*\)", "]", rest)
    rest = re.sub(r"https?://\S+", "", rest)
    return re.search(r"[A-Za-z]{2,}", rest) is not None


def blocks(text):
    """Markdown split into (translatable, text) pieces that join back into the text: fenced code
    and blank lines are kept as they are; each other run of lines is one block."""
    out, buf, lines, i = [], [], text.splitlines(keepends=True), 0

    def flush():
        if buf:
            block = "".join(buf)
            out.append((needs_translation(block), block))
            buf.clear()
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].lstrip().startswith(m.group(1)):
                j += 1
            out.append((False, "".join(lines[i:j + 1])))
            i = j + 1
        elif not lines[i].strip():
            flush()
            out.append((False, lines[i]))
            i += 1
        else:
            buf.append(lines[i])
            i += 1
    flush()
    return out


def headings(text):
    """The Markdown headings outside fenced code, in order."""
    found, fence = [], None
    for line in text.splitlines():
        m = FENCE.match(line)
        if m:
            fence = None if fence and line.lstrip().startswith(fence) else (fence or m.group(1))
            continue
        if fence is None:
            h = re.match(r"^(#+) (.+)$", line)
            if h:
                found.append((len(h.group(1)), h.group(2)))
    return found


def slug(heading):
    """GitHub's anchor for a heading (the same rule as tests/test_notebooks.anchors)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


# --------------------------------------------------------------------------------- code cells
def comments(code):
    """The text of every comment in a code cell, except tool markers."""
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                text = tok.string[1:].strip()
                if text and not MARKERS.match(text):
                    found.append(text)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def failure_messages(code):
    return re.findall(r'^failure_message: "(.*)"$', code, re.M)


def plot_strings(code):
    """String constants a plot shows: labels, titles and legend entries (a guess the translator
    checks: the catalogue lists what is really translated)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []

    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, (ast.List, ast.Tuple)):
            for e in node.elts:
                yield from strings(e)
        elif isinstance(node, ast.Dict):
            for k in node.keys:
                if k is not None:
                    yield from strings(k)
        elif isinstance(node, ast.JoinedStr):
            for v in node.values:
                yield from strings(v)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        args = list(node.args) if name in PLOT_CALLS and name not in ("plot", "imshow", "bar", "barh", "scatter", "hist") else []
        args += [k.value for k in node.keywords if k.arg in PLOT_KEYWORDS]
        for arg in args:
            for s in strings(arg):
                if re.search(r"[A-Za-z]{2,}", s) and not re.fullmatch(r"[\w.\-:%]+", s) or " " in s.strip():
                    found.append(s)
    return found


def masked_ast(code):
    """The cell's syntax tree with every string constant blanked: two cells that differ only in
    strings and comments give the same dump."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = "<str>"
    return ast.dump(tree)


def with_builtin(code):
    for en, zh in BUILTIN.items():
        code = code.replace(en, zh)
    return code


def translate_code(code, texts, where):
    """The English cell with each catalogued text replaced (longest first)."""
    texts, hints = texts or {}, failure_messages(code)
    for en, zh in texts.items():
        if en not in code:
            raise TranslationError(f"{where}: stale: the cell no longer contains {en!r}")
        if zh is None or zh == "":
            raise TranslationError(f"{where}: untranslated: {en!r}")
        if en in hints and re.search(r'["\\]', zh):
            raise TranslationError(f"{where}: a hint holds a double quote or a backslash: {zh!r}")
    code = with_builtin(code)
    out = code
    for en in sorted(texts, key=len, reverse=True):
        out = out.replace(en, texts[en])
    try:
        same = masked_ast(out) == masked_ast(code)
    except SyntaxError as e:
        raise TranslationError(f"{where}: the translated cell is not Python any more: {e}") from None
    if not same:
        raise TranslationError(f"{where}: a translation changed the code, not only strings and comments")
    return out


# ------------------------------------------------------------------------------------- paths
def notebook_names():
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, NOTEBOOKS, "*.ipynb")))


def lesson_names():
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, COURSE, "*.md")))


def catalogue_path(kind, name):
    if kind == "notebook":
        return os.path.join(CATALOGUES, "notebooks", name.replace(".ipynb", ".yml"))
    if kind == "readme":
        return os.path.join(CATALOGUES, "README.yml")
    return os.path.join(CATALOGUES, "course", name.replace(".md", ".yml"))


def counterpart(rel):
    """The Chinese file for an English one (repository-relative, POSIX), or None."""
    rel = posixpath.normpath(rel)
    d, base = posixpath.split(rel)
    if d == NOTEBOOKS and base.endswith(".ipynb") and os.path.exists(catalogue_path("notebook", base)):
        return f"{NOTEBOOKS_ZH}/{base}"
    if d == COURSE and base.endswith(".md") and os.path.exists(catalogue_path("lesson", base)):
        return f"{COURSE_ZH}/{base}"
    if rel == README and os.path.exists(catalogue_path("readme", README)):
        return README_ZH
    if d == f"{COURSE}/images" and os.path.exists(os.path.join(ROOT, COURSE, "images", "zh", base)):
        return f"{COURSE}/images/zh/{base}"  # the lessons' figures with Chinese labels (make_figures)
    return None


class Site:
    """The Chinese texts of one build, so that links and anchors can be checked across files."""

    def __init__(self):
        self.zh_texts = {}   # zh rel path -> markdown text (for notebooks: all markdown cells)
        self.en_texts = {}   # en rel path -> markdown text

    def rewrite_links(self, text, en_rel, zh_rel):
        def fix(m):
            target = m.group(2)
            english = target.startswith("en:")  # the translator's link to the English page itself
            if not english and re.match(r"^[a-z]+:", target):
                return m.group(0)
            file, hash_, anchor = target[3 if english else 0:].partition("#")
            en_target = posixpath.normpath(posixpath.join(posixpath.dirname(en_rel), file)) if file else en_rel
            zh_target = None if english else counterpart(en_target)
            if zh_target and anchor:
                zh_anchor = self.map_anchor(en_target, zh_target, anchor)
                if zh_anchor is None:
                    zh_target = None   # the section is not translated: link to the English one
                else:
                    anchor = zh_anchor
            new = zh_target or en_target
            rel = posixpath.relpath(new, posixpath.dirname(zh_rel) or ".") if new != zh_rel else ""
            return m.group(1) + rel + hash_ + anchor + m.group(3)
        return LINK.sub(fix, text)

    def map_anchor(self, en_rel, zh_rel, anchor):
        en_heads = headings(self.en_texts.get(en_rel, ""))
        zh_heads = headings(self.zh_texts.get(zh_rel, ""))
        for i, (_, h) in enumerate(en_heads):
            if slug(h) == anchor:
                return slug(zh_heads[i][1]) if i < len(zh_heads) else None
        return anchor


# --------------------------------------------------------------------------------- documents
def region_text(name, english):
    """A region a script writes (<!-- NAME:start --> ... <!-- NAME:end -->) in Chinese: the
    script's own Chinese version, never a translation that would go stale with each run."""
    if name == "notebook-times":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import run_notebooks
        return run_notebooks.times_table(run_notebooks.read_record(), lang=LANG) + "\n"
    return english


def lesson_translation(en_text, catalogue, where, draft=False):
    """A Markdown document from its blocks' translations, and what is missing."""
    regions = {m.group(2): m.group(3) for m in REGION.finditer(en_text)}
    text, missing, stale = _lesson_translation(REGION.sub(lambda m: m.group(1) + m.group(4), en_text),
                                               catalogue, where, draft)
    text = REGION.sub(lambda m: m.group(1) + region_text(m.group(2), regions[m.group(2)]) + m.group(4), text)
    return text, missing, stale


def _lesson_translation(en_text, catalogue, where, draft=False):
    table = {}
    for entry in catalogue.get("blocks") or []:
        if entry.get("zh"):
            table[mask_figures(entry["en"]).rstrip("\n")] = entry["zh"]
    stop = catalogue.get("stop_at")
    out, missing, used, used_comments = [], [], set(), set()
    for translatable, block in blocks(en_text):
        if stop and block.startswith(stop):
            out.append(catalogue.get("epilogue", "").rstrip("\n") + "\n")
            break
        if not translatable:
            if FENCE.match(block):
                used_comments.update(code_comments(block))
                block, untranslated = translate_fenced(block, catalogue.get("comments") or {})
                missing += [f"code comment: {c!r}" for c in untranslated]
            out.append(block)
            continue
        key = mask_figures(block).rstrip("\n")
        if key in table:
            used.add(key)
            zh = table[key].rstrip("\n") + ("\n" if block.endswith("\n") else "")
            try:
                out.append(copy_figures(zh, block))
            except TranslationError as e:
                raise TranslationError(f"{where}: {e}, in the block:\n{block}") from None
        else:
            missing.append(block)
            out.append(block if draft else "")
    stale = [e["en"] for e in catalogue.get("blocks") or []
             if e.get("zh") and mask_figures(e["en"]).rstrip("\n") not in used]
    stale += [f"code comment {c!r}" for c in catalogue.get("comments") or {} if c not in used_comments]
    return "".join(out), missing, stale


def code_comments(block):
    """The comments of a fenced code block (not the fence lines)."""
    body = block.split("\n", 1)[1] if "\n" in block else ""
    return [m.group(2) for m in CODE_COMMENT.finditer(body)]


def translate_fenced(block, table):
    """A fenced code block with its comments translated; and the comments with no entry."""
    head, _, body = block.partition("\n")
    untranslated = [c for c in code_comments(block) if not table.get(c)]
    body = CODE_COMMENT.sub(lambda m: m.group(1) + " " + (table.get(m.group(2)) or m.group(2)), body)
    return head + "\n" + body, untranslated


def notebook_translation(nb, catalogue, where, draft=False):
    """The Chinese notebook (without outputs decided yet), and what is missing or stale."""
    zh = copy.deepcopy(nb)
    cells = {c.get("id"): c for c in zh["cells"]}
    markdown = catalogue.get("markdown") or {}
    code = catalogue.get("code") or {}
    missing, stale = [], []
    for cell in zh["cells"]:
        cid, text = cell.get("id"), source(cell)
        if cell["cell_type"] == "markdown" and needs_translation(text):
            entry = markdown.get(cid)
            if not entry or not entry.get("zh"):
                missing.append(f"{cid}: markdown")
                continue
            if mask_figures(entry["en"]).rstrip("\n") != mask_figures(text).rstrip("\n"):
                stale.append(f"{cid}: the English cell changed since it was translated:\n" +
                             "".join(difflib.unified_diff((entry["en"] + "\n").splitlines(True), (text + "\n").splitlines(True),
                                                     "translated from", "now", n=1)))
                if not draft:
                    continue
            cell["source"] = copy_figures(entry["zh"].rstrip("\n"), text)
        elif cell["cell_type"] == "code":
            texts = code.get(cid) or {}
            for c in comments(text) + failure_messages(text):
                if c not in texts:
                    missing.append(f"{cid}: {c!r}")
            try:
                cell["source"] = translate_code(text, {k: v for k, v in texts.items() if v} if draft else texts, f"{where} {cid}")
            except TranslationError as e:
                stale.append(str(e))
    for cid in set(markdown) | set(code):
        if cid not in cells:
            stale.append(f"{cid}: no such cell in the English notebook")
    return zh, missing, stale


def build(draft=False, write=True):
    """Every Chinese file: {zh rel path: text}. Raises TranslationError unless draft."""
    site, problems, docs = Site(), [], {}
    # Pass 1: the translated texts, to know the Chinese headings for anchors.
    for name in notebook_names():
        cat = load_yaml(catalogue_path("notebook", name))
        if cat is None:
            continue
        en_rel, zh_rel = f"{NOTEBOOKS}/{name}", f"{NOTEBOOKS_ZH}/{name}"
        nb = read_notebook(en_rel)
        zh, missing, stale = notebook_translation(nb, cat, zh_rel, draft)
        problems += [f"{zh_rel}: missing {m}" for m in missing] + [f"{zh_rel}: {s}" for s in stale]
        md = lambda n: "\n\n".join(source(c) for c in n["cells"] if c["cell_type"] == "markdown")
        site.en_texts[en_rel], site.zh_texts[zh_rel] = md(nb), md(zh)
        docs[zh_rel] = ("notebook", en_rel, zh)
    lessons = [(f"{COURSE}/{n}", f"{COURSE_ZH}/{n}", catalogue_path("lesson", n)) for n in lesson_names()]
    lessons.append((README, README_ZH, catalogue_path("readme", README)))
    for en_rel, zh_rel, path in lessons:
        cat = load_yaml(path)
        if cat is None:
            continue
        en_text = read_text(en_rel)
        text, missing, stale = lesson_translation(en_text, cat, zh_rel, draft)
        problems += [f"{zh_rel}: missing block:\n{m}" for m in missing]
        problems += [f"{zh_rel}: stale (its English block is gone):\n{s}" for s in stale]
        site.en_texts[en_rel], site.zh_texts[zh_rel] = en_text, text
        docs[zh_rel] = ("text", en_rel, text)
    if problems and not draft:
        raise TranslationError(f"{len(problems)} problems; the first:\n" + "\n".join(problems[:5]))
    # Pass 2: links point at the Chinese files where there are ones.
    out = {}
    for zh_rel, (kind, en_rel, doc) in docs.items():
        if kind == "notebook":
            for cell in doc["cells"]:
                if cell["cell_type"] == "markdown":
                    cell["source"] = site.rewrite_links(source(cell), en_rel, zh_rel)
            out[zh_rel] = with_outputs(doc, zh_rel)
        else:
            out[zh_rel] = site.rewrite_links(doc, en_rel, zh_rel)
    if write:
        for rel, doc in out.items():
            write_file(rel, doc)
    return out, problems


def with_outputs(zh, zh_rel):
    """Keep the outputs of the committed Chinese notebook for every cell whose source is the same;
    a changed cell loses its outputs until the notebook is run again."""
    path = os.path.join(ROOT, zh_rel)
    committed = {"cells": [], "metadata": zh["metadata"]}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            committed = json.load(f)
    old = {c.get("id"): c for c in committed["cells"]}
    for cell in zh["cells"]:
        prev = old.get(cell.get("id"))
        text = source(cell)
        cell["source"] = text.splitlines(True)
        if cell["cell_type"] != "code":
            continue
        if prev is not None and source(prev) == text:
            cell["outputs"], cell["execution_count"] = prev.get("outputs", []), prev.get("execution_count")
            cell["metadata"] = prev.get("metadata", cell["metadata"])
        else:
            cell["outputs"], cell["execution_count"] = [], None
    zh["metadata"] = committed.get("metadata", zh["metadata"])
    return json.dumps(zh, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_file(rel, text):
    path = os.path.join(ROOT, rel)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------------------------------------- skeleton
def skeleton(names=None):
    """Add an entry with an empty `zh` for everything untranslated; keep every translation."""
    for name in notebook_names():
        if names and not any(name.startswith(n) for n in names):
            continue
        path = catalogue_path("notebook", name)
        cat = load_yaml(path) or {"notebook": name}
        markdown, code = cat.get("markdown") or {}, cat.get("code") or {}
        new_md, new_code = {}, {}
        for cell in read_notebook(f"{NOTEBOOKS}/{name}")["cells"]:
            cid, text = cell.get("id"), source(cell)
            if cell["cell_type"] == "markdown" and needs_translation(text):
                old = markdown.get(cid) or {}
                if not old or mask_figures(old.get("en", "")) == mask_figures(text):
                    new_md[cid] = {"en": text, "zh": old.get("zh", "")}
                else:  # the English changed: translate again, with the old pair to compare
                    was = old.get("was") or {"en": old.get("en"), "zh": old.get("zh")}
                    new_md[cid] = {"en": text, "zh": "", "was": was}
            elif cell["cell_type"] == "code":
                old = code.get(cid) or {}
                # plot labels are a guess: offered once, a dropped one stays dropped
                wanted = comments(text) + failure_messages(text) + (plot_strings(text) if cid not in code else [])
                texts = {k: v for k, v in old.items() if k in text}
                for w in wanted:
                    texts.setdefault(w, "")
                if texts:
                    new_code[cid] = texts
        cat["markdown"], cat["code"] = new_md, new_code
        dump_yaml(cat, path)
    lessons = [(n, f"{COURSE}/{n}", catalogue_path("lesson", n)) for n in lesson_names()]
    lessons.append((README, README, catalogue_path("readme", README)))
    for name, rel, path in lessons:
        if names and not any(name.startswith(n) for n in names):
            continue
        cat = load_yaml(path) or {"document": rel}
        have = {mask_figures(e["en"]).rstrip("\n"): e for e in cat.get("blocks") or []}
        entries, stop = [], cat.get("stop_at")
        for translatable, block in blocks(REGION.sub(lambda m: m.group(1) + m.group(4), read_text(rel))):
            if stop and block.startswith(stop):
                break
            if translatable:
                key = mask_figures(block).rstrip("\n")
                entry = have.pop(key, None) or {"en": block.rstrip("\n"), "zh": ""}
                entries.append({"id": f"b{len(entries) + 1:03d}", "en": entry["en"], "zh": entry["zh"]})
        cat["blocks"] = entries
        text = read_text(rel)
        text = text[:text.index(stop)] if stop and stop in text else text
        comments_now = [c for t, b in blocks(text) if not t and FENCE.match(b) for c in code_comments(b)]
        old_comments = cat.get("comments") or {}
        if comments_now:
            cat["comments"] = {c: old_comments.get(c, "") for c in comments_now}
        if have:
            cat["old"] = list(have.values())   # stale translations, for reuse; build ignores them
        dump_yaml(cat, path)


def fill(catalogue, translations):
    """Put translations written apart (ids and Chinese only) into a catalogue."""
    cat, zh = load_yaml(catalogue), load_yaml(translations)
    if cat is None or zh is None:
        raise TranslationError(f"no such file: {catalogue if cat is None else translations}")
    if "blocks" in cat:
        by_id = {e.get("id"): e for e in cat["blocks"]}
        for bid, text in (zh.get("blocks") or {}).items():
            if bid not in by_id:
                raise TranslationError(f"{translations}: no block {bid} in {catalogue}")
            by_id[bid]["zh"] = text.rstrip("\n") if text else ""
        fill_texts(cat.get("comments") or {}, zh.get("comments") or {}, f"{translations}: code comments")
    else:
        for cid, text in (zh.get("markdown") or {}).items():
            if cid not in (cat.get("markdown") or {}):
                raise TranslationError(f"{translations}: no markdown cell {cid} in {catalogue}")
            cat["markdown"][cid]["zh"] = text.rstrip("\n") if text else ""
            cat["markdown"][cid].pop("was", None)
        for cid, texts in (zh.get("code") or {}).items():
            have = (cat.get("code") or {}).get(cid)
            if have is None:
                raise TranslationError(f"{translations}: no code cell {cid} in {catalogue}")
            fill_texts(have, texts, f"{translations}: {cid}")
    dump_yaml(cat, catalogue)


def fill_texts(have, texts, where):
    """Fill a map {English text: Chinese} from a map or a list in its order; "=" keeps the
    English, None drops the entry."""
    if isinstance(texts, list):
        if len(texts) != len(have):
            raise TranslationError(f"{where}: {len(have)} texts, got {len(texts)}")
        texts = dict(zip(list(have), texts))
    for en, text in texts.items():
        if en not in have:
            raise TranslationError(f"{where}: no text {en!r}")
        if text is None:
            del have[en]
        else:
            have[en] = en if text == "=" else text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "status", "skeleton", "fill"])
    parser.add_argument("names", nargs="*", help="skeleton: only these notebooks/lessons (prefixes); "
                        "fill: CATALOGUE TRANSLATIONS")
    parser.add_argument("--draft", action="store_true",
                        help="build: keep the English text where a translation is missing")
    args = parser.parse_args(argv)
    try:
        if args.command == "skeleton":
            skeleton(args.names)
            return 0
        if args.command == "fill":
            if len(args.names) != 2:
                parser.error("fill takes CATALOGUE TRANSLATIONS")
            fill(*args.names)
            return 0
        out, problems = build(draft=args.draft or args.command == "status", write=args.command == "build")
    except TranslationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for p in problems:
        print(p)
    if args.command == "build":
        print(f"wrote {len(out)} files" + (f" ({len(problems)} untranslated or stale parts kept in English)" if problems else ""))
    else:
        print(f"{len(problems)} untranslated or stale parts" if problems else "everything is translated")
    return 1 if problems and args.command == "status" else 0


if __name__ == "__main__":
    sys.exit(main())
