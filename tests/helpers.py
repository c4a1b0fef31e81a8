import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "MNIST")
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5.data import idx  # noqa: E402

NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def write_split(folder, split, n=64, gz=False, num_classes=10, seed=0):
    """Write a small synthetic split (random 28x28 images) in IDX form; return the paths."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % num_classes).astype(np.uint8)
    suffix = ".gz" if gz else ""
    paths = [os.path.join(folder, name + suffix) for name in NAMES[split]]
    idx.write(paths[0], images)
    idx.write(paths[1], labels)
    return paths


@pytest.fixture
def course_layout(tmp_path):
    """A tiny data folder in the course layout: train/ (64 images) and test/ (32 images)."""
    write_split(tmp_path / "train", "train", 64)
    write_split(tmp_path / "test", "test", 32)
    return tmp_path


def run_main(*args, cwd=ROOT, timeout=600):
    """Run main.py in a fresh interpreter, as a user would."""
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def trained_ckpt(tmp_path_factory):
    """LeNet5 trained once with the course recipe (3 epochs) on the shipped sample: ~95% test
    accuracy, about 15 s on 2 cores. Shared by the deployment tests."""
    import lenet5
    lenet5.setup_device("CPU", seed=1)
    net = lenet5.LeNet5()
    lenet5.train(net, lenet5.create_dataset(SAMPLE, "train"), lenet5.RECIPES["course"],
                 display=False)
    path = tmp_path_factory.mktemp("trained") / "lenet5.ckpt"
    lenet5.save_checkpoint(net, path)
    return path


def run_cli(capsys, *args):
    """``lenet5 ARGS...`` in this process: (exit code, stdout, stderr)."""
    from lenet5 import cli
    code = cli.main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_line_error(code, out, err, match):
    """The bad-input contract: exit 2, one line on stderr starting with 'error: ', no output."""
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert match in err, err
    assert out == ""


class Mirror:
    """A web server on 127.0.0.1 serving ``files`` ({name: bytes}) under ``url``.

    ``ranges``: honour HTTP Range requests (resume). ``drops``: {name: n} sends the first n bytes
    of the file, then closes the connection (once per entry: pop it to drop again). ``status``:
    {name: code} answers with that HTTP error instead. ``requests`` records (name, Range header).
    """

    def __init__(self, files=None, ranges=True):
        import http.server
        import threading
        self.files, self.ranges = dict(files or {}), ranges
        self.drops, self.status, self.requests = {}, {}, []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                mirror.requests.append((name, self.headers.get("Range")))
                if name in mirror.status:
                    return self.send_error(mirror.status[name])
                if name not in mirror.files:
                    return self.send_error(404)
                body, start = mirror.files[name], 0
                wanted = self.headers.get("Range", "")
                if mirror.ranges and wanted.startswith("bytes=") and wanted.endswith("-"):
                    start = int(wanted[6:-1])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                cut = mirror.drops.pop(name, None)
                self.wfile.write(body[start:cut] if cut is not None else body[start:])
                if cut is not None:
                    self.close_connection = True

            def log_message(self, *args):  # keep test output clean
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror_factory(monkeypatch):
    """Start local mirrors on demand; no proxy, no back-off between retries."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    from lenet5.data import download
    monkeypatch.setattr(download, "BACKOFF", 0)
    started = []

    def start(files=None, ranges=True):
        started.append(Mirror(files, ranges))
        return started[-1]

    yield start
    for mirror in started:
        mirror.close()


def closed_port_url():
    """The URL of a port on 127.0.0.1 that nothing listens on: a mirror that is down."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# --- a real browser (tests/test_serve.py, tests/test_book.py) ------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def browser_or_skip():
    """sync_playwright, or skip (fail where LENET5_REQUIRE_BROWSER=1, as in .ci/run)."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"no {CHROMIUM}: apt-get install chromium (Debian's browser; .ci/run does it)"
    if reason:
        if os.environ.get("LENET5_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return sync_playwright
