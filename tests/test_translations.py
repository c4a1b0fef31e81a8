"""The Chinese edition (notebooks_zh/, course/zh/, README.zh-CN.md) is built from the English one
by tools/translate.py: the same code, the same outputs, every text translated and up to date."""
import configparser
import glob
import json
import os
import re
import sys

import pytest
import yaml

from helpers import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import translate  # noqa: E402

NOTEBOOKS = translate.notebook_names()
LESSONS = translate.lesson_names()
CJK = re.compile(r"[\u4e00-\u9fff]")
HINT = re.compile(r'"""\s*# BEGIN TEST CONFIG\n(.*?)""" # END TEST CONFIG', re.S)


def load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f) if rel.endswith(".ipynb") else f.read()


@pytest.fixture(scope="module")
def built():
    """What tools/translate.py builds now, from the English files and the catalogues."""
    try:
        out, problems = translate.build(write=False)
    except translate.TranslationError as e:
        pytest.fail(f"{e}\n(python tools/translate.py status lists everything)")
    return out


def test_every_english_text_has_a_catalogue():
    for name in NOTEBOOKS:
        assert os.path.exists(translate.catalogue_path("notebook", name)), name
    for name in LESSONS:
        assert os.path.exists(translate.catalogue_path("lesson", name)), name
    assert os.path.exists(translate.catalogue_path("readme", translate.README))


def test_everything_is_translated_and_up_to_date():
    """No English text without a translation, none changed since it was translated (the
    catalogue stores the English it translated), no entry left over."""
    _, problems = translate.build(draft=True, write=False)
    assert not problems, f"{len(problems)} problems (python tools/translate.py status):\n" + "\n".join(problems[:8])


def test_the_committed_chinese_files_are_the_build(built):
    """A changed English cell or text that was not rebuilt (and, for a code cell, re-run) fails."""
    assert sorted(built) == sorted([f"notebooks_zh/{n}" for n in NOTEBOOKS] +
                                   [f"course/zh/{n}" for n in LESSONS] + ["README.zh-CN.md"])
    for rel, text in built.items():
        assert os.path.exists(os.path.join(ROOT, rel)), f"{rel} is missing: python tools/translate.py build"
        if rel.endswith(".ipynb"):
            have, want = load(rel), json.loads(text)
            for old, new in zip(have["cells"], want["cells"]):
                assert "".join(old["source"]) == "".join(new["source"]), \
                    f"{rel} {new.get('id')}: not the build (python tools/translate.py build)"
            assert have == want, f"{rel}: changed cells not run again (python tools/run_notebooks.py {rel})"
        else:
            assert load(rel) == text, f"{rel}: not the build (python tools/translate.py build)"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_chinese_notebook_has_the_english_code(name):
    """Cell for cell: the same ids and types, raw cells unchanged, and code cells that differ
    only in strings and comments (compared with `ast`, strings blanked)."""
    en, zh = load(f"notebooks/{name}"), load(f"notebooks_zh/{name}")
    assert [(c.get("id"), c["cell_type"]) for c in en["cells"]] == [(c.get("id"), c["cell_type"]) for c in zh["cells"]]
    for a, b in zip(en["cells"], zh["cells"]):
        src_a, src_b = "".join(a["source"]), "".join(b["source"])
        if a["cell_type"] == "raw":
            assert src_a == src_b, f"{name} {a.get('id')}: raw cells (otter's markers) are copied"
        elif a["cell_type"] == "code":
            assert translate.masked_ast(translate.with_builtin(src_a)) == translate.masked_ast(src_b), \
                f"{name} {a.get('id')}: the code differs from the English cell's"


def sanitizers():
    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, "notebooks", "sanitize.cfg"))
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def text_outputs(cell, rules):
    out = []
    for o in cell.get("outputs", []):
        text = "".join(o.get("text", "")) if o["output_type"] == "stream" else \
            "".join(o.get("data", {}).get("text/plain", ""))
        for regex, replace in rules:
            text = regex.sub(replace, text)
        if text and not text.startswith("<Figure"):
            out.append(text)
    return out


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_chinese_notebook_prints_what_the_english_one_prints(name):
    """The measured numbers come from the same code: every checked text output is the English
    notebook's (nbval's sanitizers applied; cells nbval ignores are not compared)."""
    rules = sanitizers()
    en, zh = load(f"notebooks/{name}"), load(f"notebooks_zh/{name}")
    for a, b in zip(en["cells"], zh["cells"]):
        src = "".join(a["source"])
        if a["cell_type"] != "code" or "NBVAL_IGNORE_OUTPUT" in src or "NBVAL_SKIP" in src:
            continue
        assert text_outputs(a, rules) == text_outputs(b, rules), f"{name} {a.get('id')}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_chinese_hints_are_valid_and_chinese(name):
    """otter reads each check's hint from the YAML in its docstring."""
    for cell in load(f"notebooks_zh/{name}")["cells"]:
        for config in HINT.findall("".join(cell["source"])) if cell["cell_type"] == "code" else []:
            message = yaml.safe_load(config)["failure_message"]
            assert CJK.search(message), f"{name} {cell.get('id')}: {message}"


def chinese_texts():
    """(where, Chinese text) for every translation in the catalogues."""
    for path in sorted(glob.glob(os.path.join(translate.CATALOGUES, "**", "*.yml"), recursive=True)):
        cat = translate.load_yaml(path) or {}
        where = os.path.relpath(path, ROOT)
        for cid, entry in (cat.get("markdown") or {}).items():
            yield f"{where} {cid}", entry["en"], entry.get("zh") or ""
        for cid, texts in (cat.get("code") or {}).items():
            for en, zh in (texts or {}).items():
                yield f"{where} {cid}", en, zh or ""
        for entry in cat.get("blocks") or []:
            yield f"{where} {entry.get('id')}", entry["en"], entry.get("zh") or ""


def test_the_glossary_fixes_each_term():
    """A term translated two ways: a word of a glossary entry's `avoid` list in a translation."""
    with open(os.path.join(translate.CATALOGUES, "glossary.yml"), encoding="utf-8") as f:
        terms = yaml.safe_load(f)["terms"]
    found = []
    for where, _, zh in chinese_texts():
        for term in terms:
            text = zh
            for allowed in term.get("allow", []):
                text = text.replace(allowed, "")
            for word in term.get("avoid", []):
                if word in text:
                    found.append(f"{where}: {word!r} for {term['en']!r}: the glossary says {term['zh']!r}")
    assert not found, "\n".join(found[:20])


def test_no_english_prose_is_left():
    """A translated paragraph of more than a few English words holds Chinese (a copied English
    block is a forgotten translation); comments that are code may stay English."""
    left = []
    for where, en, zh in chinese_texts():
        words = re.findall(r"\b[A-Za-z]{3,}\b", re.sub(r"`[^`]*`|\]\([^)]*\)|<!--.*?-->|https?://\S+", "", en))
        if len(words) >= 6 and zh != en and not CJK.search(zh):
            left.append(f"{where}: {zh[:80]!r}")
        if len(words) >= 6 and zh == en and " " in en.strip() and not re.match(r"^[\w.]+(\s*=|\()", en):
            left.append(f"{where}: kept in English: {en[:80]!r}")
    assert not left, "\n".join(left[:20])


@pytest.mark.parametrize("name", LESSONS)
def test_the_chinese_lesson_has_the_english_headings_and_figures(name):
    """Links to a section are mapped by the heading's place, so the headings must match one to
    one; every measured value (<!--fig--> marker) is the English lesson's, wherever the sentence
    puts it."""
    en, zh = load(f"course/{name}"), load(f"course/zh/{name}")
    assert [level for level, _ in translate.headings(en)] == [level for level, _ in translate.headings(zh)]
    assert sorted((m.group(2), translate.zh_value(m.group(3))) for m in translate.FIG.finditer(en)) == \
        sorted((m.group(2), m.group(3)) for m in translate.FIG.finditer(zh))  # Chinese word order may differ


def test_the_plots_font_has_every_chinese_label():
    """The font the package ships (for machines without a Chinese font) draws every character of
    the Chinese notebooks' plot texts: no label turns into boxes."""
    from fontTools.ttLib import TTFont
    from lenet5.analysis import plots
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import subset_font
    cmap = TTFont(plots.SUBSET_FONT).getBestCmap()
    missing = [c for c in subset_font.characters() if ord(c) not in cmap]
    assert not missing, f"not in the shipped font: {''.join(missing)} (python tools/subset_font.py)"


def test_a_changed_english_cell_is_found(tmp_path):
    """The drift check itself: a catalogue text the English cell no longer holds is stale."""
    with pytest.raises(translate.TranslationError, match="stale"):
        translate.translate_code("x = 1  # one\n", {"two": "二"}, "cell")
    with pytest.raises(translate.TranslationError, match="changed the code"):
        translate.translate_code("x = 1  # one\n", {"x = 1": "y = 1"}, "cell")
    assert translate.translate_code('plt.title("loss")  # one\n', {"loss": "损失", "one": "一"}, "c") == \
        'plt.title("损失")  # 一\n'
