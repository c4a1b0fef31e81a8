"""The course website (`make book`, tools/book.py): built once, served on 127.0.0.1, read in
Chromium. Every page's links and images work, the plots and the math show, search finds a word,
the language switch leads to the page's translation, and the site asks nothing of the internet.

LENET5_SCREENSHOT_DIR=folder keeps the screenshots of the home page and of a notebook page
(book-home.png, book-notebook.png) there too; that is how docs/images/book.png is made."""
import functools
import glob
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, browser_or_skip

sys.path.insert(0, os.path.join(ROOT, "book"))
import pages  # noqa: E402

pytestmark = pytest.mark.slow  # builds the site (seconds) and reads every page in a browser

NOTEBOOK = "notebooks/03_training.html"  # a notebook page with plots


def sources(lang):
    """The page names of an edition's lessons and notebooks, as the site must have them."""
    course, notebooks = pages.EDITIONS[lang][:2]
    return ([f"{course}/{os.path.basename(p)[:-3]}"
             for p in glob.glob(os.path.join(ROOT, course, "*.md"))]
            + [f"{notebooks}/{os.path.basename(p)[:-6]}"
               for p in glob.glob(os.path.join(ROOT, notebooks, "[0-9][0-9]_*.ipynb"))])


LANGUAGES = ["en"] + (["zh"] if pages.zh_edition_exists() else [])
PREFIX = {"en": "", "zh": "zh/"}  # where an edition's site is, in the built folder


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the book as `make book` does, into a temporary folder."""
    out = tmp_path_factory.mktemp("book") / "html"
    book = os.path.join(ROOT, "tools", "book.py")
    run = subprocess.run([sys.executable, book, "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return out


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class Parsed(html.parser.HTMLParser):
    """The ids, links (a href) and images (img src) of one HTML page."""

    def __init__(self, text):
        super().__init__()
        self.ids, self.links, self.images, self.assets = set(), [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        if tag in ("script", "link", "img") and (attrs.get("src") or attrs.get("href")):
            self.assets.append(attrs.get("src") or attrs.get("href"))


# --- the built folder ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_lesson_and_notebook_is_a_page(site, lang):
    names = sources(lang)
    assert len(names) >= 25
    missing = [n for n in names if not (site / PREFIX[lang] / f"{n}.html").is_file()]
    assert not missing, missing
    # the sidebar lists them in the syllabus's order: lesson NN, then notebook NN
    course, notebooks = pages.EDITIONS[lang][:2]
    home = (site / PREFIX[lang] / course / "README.html").read_text(encoding="utf-8")
    nav = home[home.index('class="bd-links'):]
    hrefs = [os.path.relpath(name, course) + ".html" for name in pages.page_order(lang)]
    order = [nav.index(f'href="{href}"') for href in hrefs]
    assert order == sorted(order)
    # and each notebook can be downloaded, the instructor's and the student's version
    for name in glob.glob(os.path.join(ROOT, notebooks, "[0-9][0-9]_*.ipynb")):
        assert (site / PREFIX[lang] / "_sources" / notebooks / os.path.basename(name)).is_file()
        assert (site / PREFIX[lang] / "student" / os.path.basename(name)).is_file()
    assert (site / PREFIX[lang] / "student" / "student.zip").is_file()


def test_nothing_is_loaded_from_outside(site):
    """Scripts, styles and images are all in the folder (MathJax too): the site works offline."""
    outside = set()
    for page in site.rglob("*.html"):
        for url in Parsed(page.read_text(encoding="utf-8")).assets:
            if urllib.parse.urlsplit(url).scheme in ("http", "https") or url.startswith("//"):
                outside.add(f"{page.relative_to(site)}: {url}")
    assert not outside, sorted(outside)[:10]
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_every_internal_link_and_image_resolves(site, server):
    """Follow every link from the home page, within the site: each page and file answers 200,
    and each #anchor exists on its page."""
    pending, seen, broken, parsed = [server + "index.html"], set(), [], {}

    def fetch(url):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as e:
            return e.code, b""

    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        kind, body = fetch(url)
        if isinstance(kind, int):
            broken.append(f"{url}: {kind}")
            continue
        if kind != "text/html":
            continue
        page = parsed[url] = Parsed(body.decode("utf-8"))
        for ref in page.links + page.images:
            target = urllib.parse.urljoin(url, ref)
            if not target.startswith(server):
                continue  # outside links are not followed (the browser test blocks them)
            bare, _, anchor = target.partition("#")
            if anchor:
                pending.append(bare)
                parsed.setdefault(("anchor", bare), []).append((url, anchor))
            else:
                pending.append(bare)
    for key, wanted in parsed.items():
        if isinstance(key, tuple):
            target = parsed.get(key[1])
            for source, anchor in wanted:
                if target is not None and urllib.parse.unquote(anchor) not in target.ids:
                    broken.append(f"{source}: #{anchor} not on {key[1]}")
    assert not broken, broken[:20]
    for lang in LANGUAGES:  # the crawl reached every page of both editions
        for name in sources(lang):
            assert f"{server}{PREFIX[lang]}{name}.html" in seen, name


# --- in a real browser --------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    sync_playwright = browser_or_skip()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server):
    """A page that may load only from the test server; anything else is blocked and fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked, problems = [], []

    def route(route):
        if route.request.url.startswith(server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    yield page
    context.close()
    assert not blocked, f"requests that leave 127.0.0.1: {blocked}"
    assert not problems, problems


def broken_images(page):
    return page.evaluate("""() => [...document.images]
        .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")


def screenshot(page, tmp_path, name):
    path = tmp_path / name
    page.screenshot(path=str(path))
    if os.environ.get("LENET5_SCREENSHOT_DIR"):
        os.makedirs(os.environ["LENET5_SCREENSHOT_DIR"], exist_ok=True)
        shutil.copy(path, os.environ["LENET5_SCREENSHOT_DIR"])
    print(f"screenshot: {path}")


def test_every_page_shows_its_images(page, server):
    """Each page of both editions opens in Chromium with no missing image and no error."""
    for lang in LANGUAGES:
        for name in sorted(sources(lang)):
            page.goto(f"{server}{PREFIX[lang]}{name}.html", wait_until="load")
            assert not broken_images(page), name


def test_home_page(page, server, tmp_path):
    page.goto(server)  # index.html leads to the syllabus
    page.wait_for_url(re.compile(r".*/course/README\.html$"))
    assert "the course" in page.title()
    nav = page.locator("nav.bd-links")
    assert nav.get_by_role("link", name=re.compile("Lesson 3")).count() == 1
    screenshot(page, tmp_path, "book-home.png")


def test_notebook_page_shows_its_plots_and_code(page, server, tmp_path):
    page.goto(server + NOTEBOOK, wait_until="load")
    plots = page.locator(".cell_output img")
    assert plots.count() >= 2
    for i in range(plots.count()):
        plot = plots.nth(i)
        plot.scroll_into_view_if_needed()
        box = plot.bounding_box()
        assert plot.is_visible() and box["width"] > 100 and box["height"] > 100
    assert page.locator(".cell_input button.copybtn").count() >= 5  # copy buttons on the code
    # previous/next: the lesson before it, the next lesson after it
    href = page.locator("a.left-prev").get_attribute("href")
    assert href == "../course/03_training.html"
    href = page.locator("a.right-next").get_attribute("href")
    assert href == "../course/04_evaluation_and_inference.html"
    # the downloads: the notebook itself and its student version
    href = page.locator(".book-notebook").get_attribute("href")
    assert href == "../_sources/notebooks/03_training.ipynb"
    assert page.locator(".book-student").get_attribute("href") == "../student/03_training.ipynb"
    page.evaluate("document.getElementById('the-loss-curve').scrollIntoView()")  # its plot
    screenshot(page, tmp_path, "book-notebook.png")


def test_math_is_rendered(page, server):
    page.goto(server + "notebooks/01_environment_and_data.html", wait_until="load")
    page.wait_for_selector("mjx-container", timeout=20_000)  # MathJax, from the site's folder


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_finds_momentum(page, server, lang):
    page.goto(f"{server}{PREFIX[lang]}search.html?q=Momentum", wait_until="load")
    page.wait_for_selector("ul.search li a", timeout=20_000)
    found = page.eval_on_selector_all("ul.search li a", "links => links.map(a => a.href)")
    lesson = f"{server}{PREFIX[lang]}{pages.EDITIONS[lang][0]}/03_training.html"
    assert lesson in found, found


@pytest.mark.skipif("zh" not in LANGUAGES, reason="no Chinese edition (tools/translate.py build)")
def test_language_switch_leads_to_the_translation(page, server):
    page.goto(server + "course/02_network.html", wait_until="load")
    page.click("a.book-language")
    page.wait_for_url(server + "zh/course/zh/02_network.html")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.click("a.book-language")
    page.wait_for_url(server + "course/02_network.html")
    page.goto(server + NOTEBOOK, wait_until="load")
    page.click("a.book-language")
    page.wait_for_url(server + "zh/notebooks_zh/03_training.html")
