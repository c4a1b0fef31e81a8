"""Sphinx configuration of the course website (`make book`, tools/book.py).

The site is built from the repository root with this folder as the configuration directory:
the lessons (course/*.md) and the executed notebooks (notebooks/*.ipynb) stay where they are.
The English site goes to _build/book/, the Chinese one (course/zh/, notebooks_zh/, the
edition of tools/translate.py) to _build/book/zh/: same conf, `-D language=zh_CN`. The notebooks
are not executed: the site shows the outputs stored in them.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pages  # noqa: E402  (book/pages.py: page order, counterparts, links out of the site)

project = "LeNet5 on MNIST with MindSpore"
author = "the lenet5-course authors"
copyright = "the lenet5-course authors, Apache-2.0"

extensions = ["myst_nb", "sphinx_copybutton", "sphinx_design", "sphinx-mathjax-offline"]

# Only the pages of the site: pages.setup() narrows these to one language at config-inited.
root_doc = "course/README"
include_patterns = pages.EN_PATTERNS
exclude_patterns = pages.EXCLUDE

nb_execution_mode = "off"  # the stored outputs: make notebooks runs them, the site shows them
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 4  # GitHub's #section-anchors in links between lessons keep working
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = "LeNet5 · MindSpore course"
html_static_path = ["_static"]
html_css_files = ["book.css"]
templates_path = ["_templates"]
html_last_updated_fmt = None
html_context = {"default_mode": "light"}  # an explicit mode: the theme logs an error without one
html_copy_source = True
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,  # no network: no repository, launch or thebe buttons
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "article_header_end": ["book-buttons.html", "article-header-buttons.html"],
}
copybutton_exclude = ".linenos, .gp, .go"  # copy code, not prompts or outputs
copybutton_prompt_text = r"\$ "
copybutton_prompt_is_regexp = True


def setup(app):
    pages.setup(app)
