"""`lenet5 serve`: the draw-a-digit page, its JSON API, the server, and a real browser."""
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request

import numpy as np
import pytest
from PIL import Image

import lenet5
from helpers import (CHROMIUM, CHROMIUM_ARGS, ROOT, SAMPLE, assert_one_line_error,
                     browser_or_skip, run_cli)
from lenet5.data import load_arrays
from lenet5.deploy.digits import canvas_drawing as drawing, png_bytes as png
from lenet5.deploy.serve import DigitReader, Server, create_app

pytestmark = pytest.mark.slow  # every test here needs the trained checkpoint

def drawn_test_digits(count=40):
    """Test-split digits drawn large, dark on white, and their labels."""
    images, labels = load_arrays(SAMPLE, split="test")
    return [png(Image.fromarray(255 - d).resize((280, 280), Image.Resampling.BILINEAR))
            for d in images[:count]], labels[:count]


@pytest.fixture(scope="module")
def net(trained_ckpt):
    return lenet5.open_checkpoint(trained_ckpt)[0]


@pytest.fixture(scope="module")
def reader(net, trained_ckpt):
    return DigitReader(net, "onnxruntime", source=str(trained_ckpt))


@pytest.fixture(scope="module")
def client(reader):
    return create_app(reader).test_client()


@pytest.fixture(scope="module")
def server(reader):
    with Server(create_app(reader)).start() as running:
        yield running


def post(client, data, content_type="image/png"):
    response = client.post("/predict", data=data, content_type=content_type)
    return response.status_code, response.get_json()


# --- the API -------------------------------------------------------------------------------

def test_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for piece in ('id="pad"', 'id="clear"', 'id="digit28"', 'id="input32"', 'id="maps"',
                  "static/app.js", "static/style.css"):
        assert piece in html
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200


def test_health(client, trained_ckpt):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "backend": "onnxruntime",
                                   "checkpoint": str(trained_ckpt), "dataset": "mnist",
                                   "classes": list("0123456789"), "input_size": [32, 32]}


@pytest.mark.parametrize("kind", ["1", "0"])
def test_drawn_digit_is_read_and_shown(client, net, kind):
    status, answer = post(client, drawing(kind))
    assert status == 200, answer
    assert answer["class"] == int(kind)
    p = np.array(answer["probabilities"])
    assert p.shape == (10,) and abs(p.sum() - 1) < 1e-3 and p.argmax() == int(kind)
    digit = np.array(answer["mnist_digit"])
    assert digit.shape == (28, 28) and digit.min() == 0 and digit.max() == 255
    x = np.array(answer["input"], np.float32)
    assert x.shape == (32, 32)
    mean, std = answer["normalisation"]["mean"], answer["normalisation"]["std"]
    assert np.isclose(x.min(), -mean / std, atol=1e-3)  # black paper, normalised as in training
    # conv1's maps are ReLU(conv1(input)) with the network's own weights (checked in numpy)
    maps = np.array(answer["conv1"])
    weight, bias = net.conv1.weight.asnumpy()[:, 0], net.conv1.bias.asnumpy()
    windows = np.lib.stride_tricks.sliding_window_view(x, (5, 5))  # (28, 28, 5, 5)
    expected = np.maximum(np.einsum("ijkl,ckl->cij", windows, weight) + bias[:, None, None], 0)
    assert maps.shape == (6, 28, 28)
    np.testing.assert_allclose(maps, expected, atol=2e-3)
    assert answer["backend"] == "onnxruntime" and answer["milliseconds"] > 0


def test_same_answers_as_lenet5_predict(client, trained_ckpt, tmp_path, capsys):
    """The page's path and `lenet5 predict`'s (MindSpore) give the same digits and top-3."""
    pngs, labels = drawn_test_digits(20)
    paths = []
    for i, data in enumerate(pngs):
        paths.append(tmp_path / f"{i}.png")
        paths[-1].write_bytes(data)
    code, out, err = run_cli(capsys, "predict", *paths, "--ckpt", trained_ckpt, "--json")
    assert code == 0, err
    for data, line in zip(pngs, out.splitlines()):
        expected = json.loads(line)
        status, answer = post(client, data)
        assert status == 200 and answer["class"] == expected["class"]
        for name, p in expected["probabilities"].items():
            assert abs(answer["probabilities"][int(name)] - p) < 1e-4
    answers = [post(client, data)[1]["class"] for data in pngs]
    assert np.mean(np.array(answers) == labels) >= 0.9  # sensible answers on drawn digits


def test_mindspore_backend_gives_the_same_answer(net, client):
    mindspore = create_app(DigitReader(net, "mindspore")).test_client()
    for data in [drawing("1"), drawing("0"), *drawn_test_digits(5)[0]]:
        (_, fast), (_, direct) = post(client, data), post(mindspore, data)
        assert direct["backend"] == "mindspore" and direct["class"] == fast["class"]
        np.testing.assert_allclose(direct["probabilities"], fast["probabilities"], atol=1e-4)
        np.testing.assert_allclose(direct["conv1"], fast["conv1"], atol=1e-4)


def test_form_upload_as_curl_sends_it(client):
    response = client.post("/predict", data={"image": (io.BytesIO(drawing("1")), "one.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["class"] == 1


def test_any_content_type_is_read_by_its_bytes(client):
    status, answer = post(client, drawing("0"), content_type="application/x-www-form-urlencoded")
    assert status == 200 and answer["class"] == 0


def huge_png():
    return png(Image.new("L", (5000, 8), 255))


@pytest.mark.parametrize("data, content_type, message", [
    (b"", "image/png", "empty request"),
    (b"hello, not a picture", "image/png", "not an image file"),
    (b"%PDF-1.4 a document", "application/pdf", "not an image file"),
    ("truncated", "image/png", "corrupt or truncated"),
    ("huge", "image/png", "5000x8 pixels is too large"),
])
def test_bad_payloads_get_400_with_a_message(client, data, content_type, message):
    data = {"truncated": drawing("1")[:200], "huge": huge_png()}.get(data, data)
    status, answer = post(client, data, content_type)
    assert status == 400 and message in answer["error"], answer


def test_form_without_image_field_gets_400(client):
    response = client.post("/predict", data={"photo": (io.BytesIO(drawing("1")), "x.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "form field 'image'" in response.get_json()["error"]


@pytest.mark.parametrize("paper", ["white", "black", "transparent"])
def test_blank_drawing_is_no_ink(client, paper):
    image = Image.new("RGBA", (280, 280), {"white": (255, 255, 255, 255),
                                           "black": (0, 0, 0, 255),
                                           "transparent": (0, 0, 0, 0)}[paper])
    status, answer = post(client, png(image))
    assert status == 422 and answer["error"] == "no ink: draw a digit first"


def test_request_size_limit(reader, client):
    from lenet5.deploy.serve import MAX_BYTES
    status, answer = post(client, b"\0" * (MAX_BYTES + 1))
    assert status == 413 and f"at most {MAX_BYTES:,} bytes" in answer["error"]
    small = create_app(reader, max_bytes=500).test_client()
    assert len(drawing("1")) > 500 and post(small, drawing("1"))[0] == 413
    response = small.post("/predict", data={"image": (io.BytesIO(b"x" * 600), "a.png")},
                          content_type="multipart/form-data")
    assert response.status_code == 413 and "at most 500 bytes" in response.get_json()["error"]


def test_other_http_errors_are_json(client):
    for response, code in ((client.get("/predict"), 405), (client.get("/nothing"), 404)):
        assert response.status_code == code and response.is_json
        assert response.get_json()["error"].startswith(str(code))


def test_concurrent_requests_in_the_real_server(server):
    """16 requests at once from 8 threads, on waitress's 4 workers: every answer right."""
    results, errors = [], []

    def client(kind):
        try:
            for _ in range(2):
                request = urllib.request.Request(server.url + "predict", data=drawing(kind),
                                                 headers={"Content-Type": "image/png"})
                with urllib.request.urlopen(request, timeout=60) as response:
                    results.append((kind, json.loads(response.read())["class"]))
        except Exception as e:  # reported below: an assert in a thread would be lost
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=("10"[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == 16 and all(int(kind) == digit for kind, digit in results)
    with urllib.request.urlopen(server.url + "health", timeout=10) as response:
        assert json.loads(response.read())["status"] == "ok"


# --- the command --------------------------------------------------------------------------

def test_serve_command_starts_answers_and_stops_on_ctrl_c(trained_ckpt):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    process = subprocess.Popen(
        [sys.executable, "-m", "lenet5.cli", "serve", "--ckpt", str(trained_ckpt), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        line = process.stdout.readline()
        assert line.startswith("lenet5 serve: http://127.0.0.1:"), line
        url = line.split()[2]
        with urllib.request.urlopen(url + "health", timeout=30) as response:
            assert json.loads(response.read())["backend"] == "onnxruntime"
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "lenet5 serve: stopped"


def test_serve_bad_arguments_are_one_line_errors(trained_ckpt, tmp_path, capsys):
    code, out, err = run_cli(capsys, "serve", "--ckpt", tmp_path / "missing.ckpt")
    assert_one_line_error(code, out, err, "does not exist")
    (tmp_path / "broken.ckpt").write_bytes(b"not a checkpoint")
    code, out, err = run_cli(capsys, "serve", "--ckpt", tmp_path / "broken.ckpt")
    assert_one_line_error(code, out, err, "not a readable MindSpore checkpoint")
    for port in ("http", "70000", "-1"):
        code, out, err = run_cli(capsys, "serve", "--ckpt", trained_ckpt, "--port", port)
        assert_one_line_error(code, out, err, f"invalid port {port!r}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli(capsys, "serve", "--ckpt", trained_ckpt, "--port", port,
                                 "--backend", "mindspore")
    assert_one_line_error(code, out, err, f"cannot listen on 127.0.0.1:{port}")


def test_background_server_stops_and_frees_its_port(reader):
    running = Server(create_app(reader)).start()
    with urllib.request.urlopen(running.url + "health", timeout=10) as response:
        assert response.status == 200
    thread = running.thread
    running.stop()
    assert not thread.is_alive()
    port = int(running.url.rsplit(":", 1)[1].strip("/"))
    with socket.socket() as again:  # nothing listens there any more
        # SO_REUSEADDR, as any server sets it: the closed connection may linger in TIME_WAIT,
        # but a socket still listening on the port would make bind() fail all the same.
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


# --- a real browser ----------------------------------------------------------------------

def stroke(mouse, points, box):
    """Press at the first point, move through the others, release: points in 0..1 of the pad."""
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    mouse.move(*at[0])
    mouse.down()
    for x, y in at[1:]:
        mouse.move(x, y, steps=2)
    mouse.up()


def answered(page, digit, action):
    """Do ``action``, wait for the page's POST predict, then for the digit it shows."""
    with page.expect_response(lambda r: r.url.endswith("/predict")) as reply:
        action()
    assert reply.value.status == 200
    page.wait_for_selector(f'#result[data-digit="{digit}"]', timeout=10_000)


def painted(page, selector):
    """Sum of the grey levels drawn on a canvas of the page."""
    return page.evaluate("""(selector) => {
        const canvas = document.querySelector(selector);
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        for (let i = 0; i < data.length; i += 4) sum += data[i];
        return sum;
    }""", selector)


def test_browser_draws_a_one_and_a_zero(server, tmp_path):
    """Chromium, headless: draw a "1" and a "0" with the mouse, read the page's answers.
    The screenshot is kept in pytest's tmp dir (LENET5_SCREENSHOT=path copies it there too,
    which is how docs/images/serve.png is made)."""
    sync_playwright = browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            problems = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.goto(server.url)
            page.wait_for_function("document.getElementById('footer').textContent.length > 0")
            assert "onnxruntime" in page.text_content("#footer")
            box = page.locator("#pad").bounding_box()
            mouse = page.mouse

            answered(page, 1, lambda: stroke(mouse, [(0.52, 0.15), (0.5, 0.5), (0.48, 0.85)], box))
            assert page.text_content("#digit") == "1"
            assert "% sure" in page.text_content("#confidence")
            assert page.locator("#bars li").count() == 10
            assert page.locator("#bars li.top").get_attribute("data-class") == "1"
            assert painted(page, "#digit28") > 0 and painted(page, "#input32") > 0
            assert page.locator("#maps canvas").count() == 6
            assert sum(painted(page, f"#maps figure:nth-child({i}) canvas")
                       for i in range(1, 7)) > 0

            page.click("#clear")
            assert page.text_content("#digit") == "?" and painted(page, "#digit28") == 0
            loop = [(0.5 + 0.24 * np.sin(t), 0.5 - 0.36 * np.cos(t))
                    for t in np.linspace(0, 2 * np.pi, 40)]
            answered(page, 0, lambda: stroke(mouse, loop, box))
            assert page.text_content("#digit") == "0"
            assert "Answered in" in page.text_content("#status")

            screenshot = tmp_path / "serve.png"
            page.screenshot(path=str(screenshot), full_page=True)
            assert Image.open(screenshot).size[0] >= 1000
            if os.environ.get("LENET5_SCREENSHOT"):
                shutil.copy(screenshot, os.environ["LENET5_SCREENSHOT"])
            print(f"screenshot: {screenshot}")
            assert not problems, problems
        finally:
            browser.close()


def test_browser_touch_stroke(server):
    """A finger on a phone's touch screen (CDP touch events) draws too: a swipe down is a 1."""
    sync_playwright = browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(has_touch=True, is_mobile=True,
                                          viewport={"width": 400, "height": 900})
            page = context.new_page()
            page.goto(server.url)
            box = page.locator("#pad").bounding_box()
            cdp = context.new_cdp_session(page)
            x = box["x"] + box["width"] / 2
            ys = np.linspace(box["y"] + 0.15 * box["height"], box["y"] + 0.85 * box["height"], 12)

            def swipe():
                cdp.send("Input.dispatchTouchEvent",
                         {"type": "touchStart", "touchPoints": [{"x": x, "y": ys[0]}]})
                for y in ys[1:]:
                    cdp.send("Input.dispatchTouchEvent",
                             {"type": "touchMove", "touchPoints": [{"x": x, "y": float(y)}]})
                cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

            answered(page, 1, swipe)
            assert page.evaluate("window.scrollY") == 0  # the finger drew, the page stayed
        finally:
            browser.close()


def test_browser_switches_language(server):
    """The 中文/English button: every text of the page in Chinese, the answer on show kept, the
    choice remembered on reload; ?lang=en overrides it."""
    sync_playwright = browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1100, "height": 760})
            problems = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(server.url)
            page.wait_for_function("document.getElementById('footer').textContent.length > 0")
            assert page.text_content("h1") == "Draw a digit" and page.text_content("#lang") == "中文"
            box = page.locator("#pad").bounding_box()
            answered(page, 1, lambda: stroke(page.mouse, [(0.52, 0.15), (0.5, 0.5), (0.48, 0.85)], box))

            page.click("#lang")
            assert page.evaluate("document.documentElement.lang") == "zh-CN"
            assert page.text_content("h1") == "手写一个数字" and page.title().startswith("手写一个数字")
            assert page.text_content("#clear") == "清除" and page.text_content("#lang") == "English"
            assert page.text_content("#digit") == "1" and "把握" in page.text_content("#confidence")
            assert page.text_content("#status").startswith("用时")
            assert page.text_content("#maps figure:first-child figcaption") == "卷积核 1"
            english = [t for t in page.locator("[data-text]").all_text_contents()
                       if re.search(r"[A-Za-z]{4,}", t.replace("LeNet5", "").replace("MNIST", "")
                                    .replace("ReLU", "").replace("conv1", ""))]
            assert not english, english

            page.reload()  # remembered
            page.wait_for_function("document.getElementById('footer').textContent.length > 0")
            assert page.text_content("h1") == "手写一个数字"
            page.goto(server.url + "?lang=en")
            assert page.text_content("h1") == "Draw a digit"
            assert not problems, problems
        finally:
            browser.close()
