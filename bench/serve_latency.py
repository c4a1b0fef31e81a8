"""Latency per request of ``lenet5 serve``: onnxruntime vs MindSpore as the classifier.

For each backend: start the real server (Flask app in waitress, 127.0.0.1, a free port) and POST
drawings made like the page makes them (280x280 PNG, black strokes on white, digits of the
test split drawn large) over one keep-alive HTTP connection; time each request from sending to
the parsed JSON answer, and, inside the server, the reading itself (``DigitReader.read``:
decode, mnist_digit, preprocess, classify, conv1 maps). Medians after a warm-up. "ready" is
the time to set a backend up once the checkpoint is loaded (onnxruntime: the ONNX export).

    python bench/serve_latency.py --ckpt outputs/lenet5.ckpt
    python bench/serve_latency.py                  # trains the course recipe first (~30 s)
    python bench/serve_latency.py --rounds 5 --doc # the README's table (between its markers)

With ``--rounds N`` the backends are measured N times, alternating which goes first; the
table gives the median of the per-round medians (set-up: the first round's).

Latencies depend on the CPU and on what else runs on it: measure on a quiet machine.
"""
import argparse
import datetime
import http.client
import io
import json
import os
import statistics
import sys
import time
from urllib.parse import urlparse

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
import lenet5  # noqa: E402
from lenet5.atomic import replace_marked, write_json  # noqa: E402
from lenet5.platform.doctor import cpu_model_and_flags  # noqa: E402
from lenet5.deploy.serve import BACKENDS, DigitReader, Server, create_app  # noqa: E402


def drawings(data_dir, count):
    """PNG bytes of ``count`` test digits, dark on white, 280x280: what the page posts."""
    from PIL import Image
    images, _ = lenet5.load_arrays(data_dir, split="test")
    pngs = []
    for digit in images[:count]:
        page = Image.fromarray(255 - digit).resize((280, 280), Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        page.save(buffer, "PNG")
        pngs.append(buffer.getvalue())
    return pngs


def post_all(url, pngs, repeat):
    """Milliseconds per request over one keep-alive connection, and inside the server."""
    where = urlparse(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    times, inside = [], []
    for _ in range(repeat):
        for png in pngs:
            start = time.perf_counter()
            connection.request("POST", "/predict", body=png, headers={"Content-Type": "image/png"})
            response = connection.getresponse()
            answer = json.loads(response.read())
            times.append((time.perf_counter() - start) * 1e3)
            assert response.status == 200, answer
            inside.append(answer["milliseconds"])  # DigitReader.read's own timing
    connection.close()
    return times, inside


def measure(net, backend, pngs, repeat, warmup):
    start = time.perf_counter()
    reader = DigitReader(net, backend)  # onnxruntime: includes the export to ONNX
    ready_s = time.perf_counter() - start
    with Server(create_app(reader)).start() as server:
        post_all(server.url, pngs[:warmup], 1)
        times, inside = post_all(server.url, pngs, repeat)
    return {"backend": backend, "ready_s": ready_s, "requests": len(times),
            "request_ms_median": statistics.median(times),
            "request_ms_p90": float(np.percentile(times, 90)),
            "read_ms_median": statistics.median(inside)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--ckpt", help="checkpoint to serve; without it the course recipe is trained")
    p.add_argument("--data_url", default=os.path.join(ROOT, "MNIST"))
    p.add_argument("--drawings", type=int, default=100, help="distinct test digits posted")
    p.add_argument("--repeat", type=int, default=5, help="times each drawing is posted")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--rounds", type=int, default=1, help="measurements of each backend")
    p.add_argument("--json", help="also write every round to this JSON file")
    p.add_argument("--doc", action="store_true", help="also put the table in README.md")
    args = p.parse_args()
    lenet5.setup_device("CPU", seed=1)
    if args.ckpt:
        net, _ = lenet5.open_checkpoint(args.ckpt)
    else:
        net = lenet5.LeNet5()
        lenet5.train(net, lenet5.create_dataset(args.data_url, "train"), display=False)
    pngs = drawings(args.data_url, args.drawings)
    rounds = []
    for i in range(args.rounds):
        order = BACKENDS if i % 2 == 0 else tuple(reversed(BACKENDS))
        rows = {b: measure(net, b, pngs, args.repeat, args.warmup) for b in order}
        rounds.append([rows[b] for b in BACKENDS])
        print(f"round {i + 1}/{args.rounds}: " + ", ".join(
            f"{b} {rows[b]['request_ms_median']:.2f} ms" for b in BACKENDS), flush=True)
    table = report(rounds, args)
    print(table)
    if args.json:
        write_json(args.json, {"machine": machine(), "rounds": rounds})
    if args.doc and replace_marked(os.path.join(ROOT, "README.md"), "serve-latency", table):
        print("updated the table in README.md")


def machine():
    import mindspore as ms
    return {"date": datetime.date.today().isoformat(), "cpu": cpu_model_and_flags()[0],
            "cores": lenet5.device.usable_cores(), "mindspore": ms.__version__}


def report(rounds, args):
    """The Markdown table (medians over rounds) and a line saying how the rounds compared."""
    m = machine()
    lines = ["| backend | set-up | per request, client side | inside the server (read, classify, conv1) |",
             "| --- | ---: | ---: | ---: |"]
    for i, backend in enumerate(BACKENDS):
        name = "MindSpore " + m["mindspore"] if backend == "mindspore" else backend
        med = lambda k: statistics.median(r[i][k] for r in rounds)  # noqa: E731
        lines.append(f"| {name} | {rounds[0][i]['ready_s']:.1f} s | {med('request_ms_median'):.1f} ms"
                     f" | {med('read_ms_median'):.1f} ms |")
    gaps = [r[1]["request_ms_median"] - r[0]["request_ms_median"] for r in rounds]
    faster = sum(g > 0 for g in gaps)
    lines += ["", f"Measured by `python bench/serve_latency.py --rounds {args.rounds} --doc` on "
              f"{m['date']} ({m['cpu']}, {m['cores']} cores): {args.drawings} test digits posted "
              f"{args.repeat} times per round, medians. {BACKENDS[0]} answered faster in {faster} "
              f"of {len(rounds)} rounds; per request, {BACKENDS[1]} minus {BACKENDS[0]}: "
              f"{min(gaps):+.1f} to {max(gaps):+.1f} ms."]
    return "\n".join(lines)

if __name__ == "__main__":
    main()
