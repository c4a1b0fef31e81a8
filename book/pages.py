"""The site's pages: their order, each page's translation, and links that leave the site.

Used by book/conf.py. One Sphinx configuration builds either edition: English (course/*.md,
notebooks/*.ipynb) or, with `-D language=zh_CN`, Chinese (course/zh/*.md, notebooks_zh/*.ipynb).
"""
import glob
import json
import logging
import os
import sys

from sphinx import addnodes, search
from sphinx.search.zh import SearchChinese
from sphinx.transforms.post_transforms import SphinxPostTransform

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EN_PATTERNS = ["course/*.md", "notebooks/*.ipynb", "docs/*.md"]
ZH_PATTERNS = ["course/zh/*.md", "notebooks_zh/*.ipynb", "docs/*.md"]
# Never walked: the site's sources are only under course/ and notebooks*/.
EXCLUDE = [".venv", ".git", ".nox", "_build", "**/.ipynb_checkpoints", "**/outputs", "student",
           "student_zh", "data", "MNIST", "src", "tests", "bench", "examples", "i18n",
           "tools", "book", "README.md", "README.zh-CN.md"]
# The pages after the lessons, in this order
REFERENCE = ["solutions", "how_to_run", "appendix_devices_and_speed"]

EDITIONS = {  # language: lessons folder, notebooks folder, captions
    "en": ("course", "notebooks", "Lessons and notebooks", "Reference", "Project documents"),
    "zh": ("course/zh", "notebooks_zh", "讲义与 Notebook", "参考", "项目文档（英文）"),
}


def edition(language):
    return "zh" if (language or "en").startswith("zh") else "en"


def zh_edition_exists(root=ROOT):
    """Whether the Chinese edition is there to build (tools/translate.py writes it)."""
    return os.path.exists(os.path.join(root, "course", "zh", "README.md"))


def lesson_names(root=ROOT):
    """NN_name of every numbered lesson, in order."""
    paths = glob.glob(os.path.join(root, "course", "[0-9][0-9]_*.md"))
    return sorted(os.path.basename(p)[:-3] for p in paths)


def notebook_title(path):
    """The sidebar's name of a notebook: "Notebook " and its first heading ("3 · Training")."""
    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return "Notebook " + line[2:].strip()
    return "Notebook " + os.path.basename(path)[:-6]


def toctree(items, caption=None):
    return ("\n```{toctree}\n:hidden:\n:maxdepth: 2\n"
            + (f":caption: {caption}\n" if caption else "")
            + "\n" + "\n".join(items) + "\n```\n")


def toc(lang, root=ROOT):
    """The root page's hidden toctrees (MyST): the lessons in order, then the reference pages
    and the project's documents. Each lesson holds its notebook (lesson_toc), so that the
    order of the pages, and of previous/next, is lesson NN, notebook NN, lesson NN+1."""
    course, notebooks, lessons_caption, reference_caption, docs_caption = EDITIONS[lang]
    lessons = [f"/{course}/{name}" for name in lesson_names(root)]
    reference = [f"/{course}/{name}" for name in REFERENCE
                 if os.path.exists(os.path.join(root, course, name + ".md"))]
    docs = ["/docs/" + os.path.basename(p)[:-3]
            for p in sorted(glob.glob(os.path.join(root, "docs", "*.md")))]
    return toctree(lessons, lessons_caption) + toctree(reference, reference_caption) + \
        toctree(docs, docs_caption)


def lesson_toc(docname, lang, root=ROOT):
    """The hidden toctree of a lesson page: its notebook, or "" if it has none."""
    course, notebooks = EDITIONS[lang][:2]
    name = docname[len(course) + 1:]
    path = os.path.join(root, notebooks, name + ".ipynb")
    if not (docname.startswith(course + "/") and "/" not in name and os.path.exists(path)):
        return ""
    return toctree([f"{notebook_title(path)} </{notebooks}/{name}>"])


def page_order(lang, root=ROOT):
    """Every page of the lessons and notebooks, in the site's order."""
    course, notebooks = EDITIONS[lang][:2]
    order = []
    for name in lesson_names(root):
        order.append(f"{course}/{name}")
        if os.path.exists(os.path.join(root, notebooks, name + ".ipynb")):
            order.append(f"{notebooks}/{name}")
    return order


def counterpart(pagename, lang):
    """The same page in the other edition (a page name), or None where it has no such page."""
    pairs = [("course/zh/", "course/"), ("notebooks_zh/", "notebooks/")]
    for zh, en in pairs:
        if lang == "zh" and pagename.startswith(zh):
            return en + pagename[len(zh):]
        if lang == "en" and pagename.startswith(en):
            return zh + pagename[len(en):]
    return pagename if pagename in ("search", "genindex") or pagename.startswith("docs/") else None


def source_exists(pagename, root=ROOT):
    return any(os.path.exists(os.path.join(root, pagename + suffix))
               for suffix in (".md", ".ipynb"))


# --- Sphinx hooks ----------------------------------------------------------------------------

class ChineseSearch(SearchChinese):
    """Sphinx 9.0's Chinese search, working: its language_data.js ends in `window.Stemmer =
    ChineseStemmer`, a class that does not exist (the zh search stems the Latin words with
    english-stemmer.js, class EnglishStemmer), so searching the zh site failed in the browser
    (sphinx-doc/sphinx#14229, fixed by #14416 after 9.0.4). The name only picks that class."""
    language_name = "English"


class Translated(SphinxPostTransform):
    """A link to a page of the other edition goes to its counterpart in this one: docs/*.md
    (English in both) link to course/how_to_run.md, which the Chinese site has as
    course/zh/how_to_run. Runs before MyST resolves links (its priority is 9)."""
    default_priority = 8

    def run(self, **kwargs):
        lang = edition(self.config.language)
        for node in self.document.findall(addnodes.pending_xref):
            if node.get("reftype") != "myst" or node.get("refdomain") != "doc":
                continue
            target = node["reftarget"]
            if target not in self.env.all_docs:
                other = counterpart(target, "en" if lang == "zh" else "zh")
                if other in self.env.all_docs:
                    node["reftarget"] = other
                    if node.get("reftargetid"):  # the same section, by its place among the headings
                        node["reftargetid"] = same_section(target, other, node["reftargetid"])


def same_section(page, other, anchor, root=ROOT):
    """The anchor in ``other`` of the section ``anchor`` names in ``page`` (the two editions have
    the same headings in the same order; tests/test_translations.py checks that)."""
    sys.path.insert(0, os.path.join(root, "tools"))
    import translate

    def heads(name):
        path = os.path.join(root, name + ".md")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [h for _, h in translate.headings(f.read())]
    mine, theirs = heads(page), heads(other)
    for i, heading in enumerate(mine):
        if translate.slug(heading) == anchor and i < len(theirs):
            return translate.slug(theirs[i])
    return anchor


def on_config_inited(app, config):
    lang = edition(config.language)
    if lang == "zh":
        config.root_doc = "course/zh/README"
        config.include_patterns = ZH_PATTERNS
        config.html_search_language = "zh"
        config.html_title = "LeNet5 · MindSpore 课程"
        search.languages["zh"] = ChineseSearch
        logging.getLogger("jieba").setLevel(logging.WARNING)  # its word list's loading notes
    config.html_context = {**config.html_context, "book_lang": lang}


def on_source_read(app, docname, source):
    lang = edition(app.config.language)
    if docname == app.config.root_doc:
        source[0] += "\n" + toc(lang, app.srcdir)
    else:
        source[0] += lesson_toc(docname, lang, app.srcdir)


def on_page_context(app, pagename, templatename, context, doctree):
    """Add book_switch (the link to this page's translation) and book_student (the student
    version of a notebook page) for the template _templates/book-buttons.html."""
    lang = edition(app.config.language)
    up = "../" * pagename.count("/")  # from this page to its site's root
    context["book_switch"] = None
    if zh_edition_exists(app.srcdir):
        other = counterpart(pagename, lang)
        if other is None or not (other in ("search", "genindex")
                                 or source_exists(other, app.srcdir)):
            other = "course/README" if lang == "zh" else "course/zh/README"
        site = "zh/" if lang == "en" else "../"
        context["book_switch"] = {
            "url": up + site + other + ".html",
            "text": "中文" if lang == "en" else "English",
            "hreflang": "zh-CN" if lang == "en" else "en",
            "tooltip": "阅读本页中文版" if lang == "en" else "Read this page in English",
        }
    context["book_student"] = None
    folder = EDITIONS[lang][1]
    if pagename.startswith(folder + "/"):
        name = pagename[len(folder) + 1:]
        context["book_student"] = {"source": f"{up}_sources/{pagename}.ipynb",  # html_copy_source
                                   "notebook": f"{up}student/{name}.ipynb",
                                   "zip": f"{up}student/student.zip"}


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("source-read", on_source_read)
    app.connect("html-page-context", on_page_context)
    app.add_post_transform(Translated)
