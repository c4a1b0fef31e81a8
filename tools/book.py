"""Build the course website (``make book``): a static HTML folder any web server can host.

    python tools/book.py                 # -> _build/book/ (English) and _build/book/zh/ (Chinese)
    python tools/book.py --out DIR       # somewhere else

Sphinx with MyST-NB renders course/*.md, the executed notebooks/*.ipynb (their stored outputs: no
notebook runs) and docs/*.md, with book/conf.py; the Chinese edition (course/zh/, notebooks_zh/,
written by tools/translate.py) is built the same way into zh/ when it is there. Each edition's
student notebooks (tools/student.py: exercises blank, checks in place) go into its student/
folder, with student.zip holding them and their checks. Nothing is downloaded: the theme, the
search and MathJax (sphinx-mathjax-offline) are all local. Any warning fails the build, so a
broken link or a missing image is an error here, not a dead link on the site.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "book"))
import pages  # noqa: E402
import student  # noqa: E402

OUT = os.path.join(ROOT, "_build", "book")
# An edition's notebooks and the folder its student notebooks go in (as make student names them)
EDITIONS = {"en": ("notebooks", "student"), "zh": ("notebooks_zh", "student_zh")}
REDIRECT = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>\n'
            '<meta http-equiv="refresh" content="0; url={url}">\n'
            '<link rel="canonical" href="{url}">\n</head>'
            '<body><a href="{url}">{title}</a></body></html>\n')


def sphinx(lang, staging):
    """Start Sphinx on one edition, into staging/html (MyST-NB writes beside it)."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
               "-c", os.path.join(ROOT, "book"), "-d", os.path.join(staging, "doctrees"),
               "-D", f"language={'zh_CN' if lang == 'zh' else 'en'}",
               ROOT, os.path.join(staging, "html")]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def student_folder(lang, out):
    """Build the edition's student notebooks into ``out``, with student.zip of them and their
    checks (unzipped at the repository root it gives the folder make student makes)."""
    notebooks, name = EDITIONS[lang]
    masters = [p for p in sorted(glob.glob(os.path.join(ROOT, notebooks, "[0-9][0-9]_*.ipynb")))
               if student.has_exercises(p)]
    with tempfile.TemporaryDirectory() as tmp:
        built = os.path.join(tmp, name)
        student.build(built, masters)
        os.makedirs(out)
        with zipfile.ZipFile(os.path.join(out, "student.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(glob.glob(os.path.join(built, "*.ipynb"))
                               + glob.glob(os.path.join(built, "tests", "*.py"))):
                z.write(path, os.path.relpath(path, tmp))
                if path.endswith(".ipynb"):
                    shutil.copy(path, out)


def build(out=OUT):
    languages = ["en"] + (["zh"] if pages.zh_edition_exists() else [])
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    work = tempfile.mkdtemp(prefix=".book-", dir=os.path.dirname(os.path.abspath(out)))
    runs = {}
    try:
        runs.update({lang: sphinx(lang, os.path.join(work, lang)) for lang in languages})
        for lang in languages:  # while Sphinx runs
            student_folder(lang, os.path.join(work, lang, "student"))
        failed = []
        for lang, run in runs.items():
            log = run.communicate()[0]
            if log.strip():
                print(log.rstrip(), file=sys.stderr)
            if run.returncode:
                failed.append(lang)
        if failed:
            raise SystemExit(f"error: the {' and '.join(failed)} site did not build "
                             "(the warnings above; any warning fails the build)")
        for lang in languages:
            html = os.path.join(work, lang, "html")
            os.replace(os.path.join(work, lang, "student"), os.path.join(html, "student"))
            home = pages.EDITIONS[lang][0] + "/README.html"
            with open(os.path.join(html, "index.html"), "w", encoding="utf-8") as f:
                f.write(REDIRECT.format(url=home, title="LeNet5 · MindSpore"))
        # GitHub Pages served from a branch runs Jekyll, which drops folders named _static
        open(os.path.join(work, "en", "html", ".nojekyll"), "w").close()
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.replace(os.path.join(work, "en", "html"), out)
        if "zh" in languages:
            os.replace(os.path.join(work, "zh", "html"), os.path.join(out, "zh"))
    finally:
        for run in runs.values():  # an error above: the builds stop too
            if run.poll() is None:
                run.kill()
                run.wait()
        shutil.rmtree(work, ignore_errors=True)
    return languages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=OUT, help="the site's folder (default: _build/book)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    languages = build(args.out)
    print(f"book: {os.path.relpath(args.out)}/index.html ({' and '.join(languages)}, "
          f"{time.perf_counter() - start:.1f} s); serve it with "
          f"python -m http.server -d {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
