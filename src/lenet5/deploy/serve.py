"""``lenet5 serve``: a web page to draw a digit on and watch the trained LeNet5 read it.

    make train
    lenet5 serve --ckpt outputs/lenet5.ckpt        # then open http://127.0.0.1:8000

The page sends the drawing as a PNG. The server reads it exactly as ``lenet5 predict`` reads an
image file (grey levels -> ``mnist_digit`` -> the training pipeline's resize and the
normalisation the checkpoint records) and answers with JSON: the class and its name, every
class probability, the 28x28 image and the 32x32 input the network saw, and the six feature
maps of conv1 (+ReLU). A Fashion-MNIST or EMNIST checkpoint is served with its own classes.

A Flask app served by waitress (a multi-threaded production WSGI server). Classification runs
in onnxruntime on the checkpoint exported at start-up (faster per request; see README) or in
MindSpore; MindSpore calls are serialised by a lock, onnxruntime sessions are thread-safe.
"""
import argparse
import io
import os
import signal
import sys
import tempfile
import threading
import time

import mindspore as ms
import mindspore.nn as nn
import numpy as np
import waitress
from flask import Flask, jsonify, request, send_from_directory
from PIL import Image
from waitress import wasyncore
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..checkpoint import CheckpointInfo, open_checkpoint
from ..data import preprocess
from ..device import setup_device
from ..errors import Lenet5Error
from ..model import VARIANTS
from ..train import softmax
from .digits import BlankImageError, ImageError, decode_grey, mnist_digit
from .export import export
from .onnx_model import OnnxModel

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web")
BACKENDS = ("onnxruntime", "mindspore")
MAX_BYTES = 1 << 20  # request bodies: a 280x280 canvas PNG is 5-20 KB
MAX_SIDE = 4096  # pixels: a small PNG can unpack into a huge image (a decompression bomb)
THREADS = 4  # waitress worker threads


class FirstLayer(nn.Cell):
    """conv1 followed by ReLU (lenet1998: C1 and the scaled tanh), from a LeNet5's own weights:
    what the first layer sees, in one compiled graph instead of two Cell calls."""

    def __init__(self, net):
        super().__init__()
        self.conv1, self.relu = (net.first_layer() if hasattr(net, "first_layer")
                                 else (net.conv1, net.relu))

    def construct(self, x):
        return self.relu(self.conv1(x))


def exported_onnx(net, info):
    """``net`` exported to ONNX (checked against MindSpore by lenet5.deploy.export), in
    onnxruntime."""
    with tempfile.TemporaryDirectory(prefix="lenet5-serve-") as tmp:
        # onnxruntime keeps the model in memory: the file may go once the session exists
        return OnnxModel(export(net, tmp, "ONNX", info=info)["model"])


class DigitReader:
    """A drawing (image bytes) -> the network's answer and what it looked at, as a dict.
    ``info``: the checkpoint's record (classes, normalisation); default: MNIST digits."""

    def __init__(self, net, backend="onnxruntime", source=None, info=None):
        if backend not in BACKENDS:
            raise Lenet5Error(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
        self.net, self.backend, self.source = net, backend, source
        self.info = info or CheckpointInfo.describe(net)
        self.input_size = tuple(net.input_size)
        self.lock = threading.Lock()  # one MindSpore call at a time: waitress serves in threads
        self.first_layer = FirstLayer(net)
        self.onnx = exported_onnx(net, self.info) if backend == "onnxruntime" else None
        # Compile both graphs now, so that the first drawing is answered as fast as the others.
        blank = np.zeros((1, 1, *self.input_size), np.float32)
        self.logits(blank)
        self.feature_maps(blank)

    def logits(self, images):
        if self.onnx is not None:
            return self.onnx(images)
        with self.lock:
            return self.net(ms.Tensor(images)).asnumpy()

    def feature_maps(self, images):
        with self.lock:
            return self.first_layer(ms.Tensor(images)).asnumpy()

    def read(self, data, name="drawing"):
        """Image bytes (PNG, JPEG, ...) -> ``{"class", "label", "probabilities",
        "mnist_digit", "input", "conv1", ...}``. Raises ImageError (BlankImageError without
        ink)."""
        info = self.info
        start = time.perf_counter()
        check_dimensions(data, name)
        digit = mnist_digit(decode_grey(io.BytesIO(data), name=name), name=name)
        images = preprocess(digit[None], **info.input_options())  # as predict's
        probabilities = softmax(self.logits(images))[0]
        maps = self.feature_maps(images)[0]
        best = int(probabilities.argmax())
        return {
            "class": best, "label": info.classes[best],
            "probabilities": [round(float(p), 5) for p in probabilities],
            "mnist_digit": digit.tolist(),
            "input": np.round(images[0, 0], 4).tolist(),
            "normalisation": {"mean": info.mean, "std": info.std},
            "conv1": np.round(maps, 4).tolist(),
            "backend": self.backend,
            "milliseconds": round((time.perf_counter() - start) * 1e3, 2),
        }

    def health(self):
        return {"status": "ok", "backend": self.backend, "checkpoint": self.source,
                "dataset": self.info.dataset, "classes": list(self.info.classes),
                "input_size": list(self.input_size)}


def check_dimensions(data, name):
    """Refuse images whose pixel count (not their bytes) would exhaust memory."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception:  # not an image at all: decode_grey says so in its own words
        return
    if max(width, height) > MAX_SIDE:
        raise ImageError(f"{name}: {width}x{height} pixels is too large "
                         f"(at most {MAX_SIDE}x{MAX_SIDE})")


def create_app(reader, max_bytes=MAX_BYTES):
    """The Flask app: ``/`` (the page), ``/predict`` (POST an image), ``/health``."""
    app = Flask(__name__, static_folder=WEB, static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = max_bytes
    app.json.sort_keys = False

    @app.get("/")
    def page():
        return send_from_directory(WEB, "index.html")

    @app.get("/health")
    def health():
        return jsonify(reader.health())

    @app.post("/predict")
    def predict():
        # The page posts the PNG as the body; curl -F image=@digit.png posts a form upload.
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("image")
            data = upload.read() if upload else b""
        else:  # whatever the Content-Type says: the bytes decide what the image is
            data = request.get_data(cache=False, parse_form_data=False)
        if not data:
            return jsonify(error="empty request: POST a PNG/JPEG image of a digit "
                                 "(the body, or a form field 'image')"), 400
        try:
            return jsonify(reader.read(data))
        except BlankImageError:
            return jsonify(error="no ink: draw a digit first"), 422
        except ImageError as e:
            return jsonify(error=str(e)), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(e):
        return jsonify(error=f"request too large: at most {max_bytes:,} bytes"), 413

    @app.errorhandler(HTTPException)
    def http_error(e):  # JSON, not Werkzeug's HTML page, for every other HTTP error
        return jsonify(error=f"{e.code} {e.name}: {e.description}"), e.code

    return app


class Server:
    """The app in waitress on ``host:port`` (port 0: any free port); ``url``, ``port`` say where.

    ``run()`` serves until Ctrl-C; ``start()`` serves on a background thread until ``stop()``
    (notebooks, tests). Also a context manager: ``with Server(app).start() as s: s.url``.
    """

    def __init__(self, app, host="127.0.0.1", port=0, threads=THREADS):
        try:
            self.server = waitress.create_server(app, host=host, port=port, threads=threads,
                                                 clear_untrusted_proxy_headers=True)
        except (OSError, ValueError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            raise Lenet5Error(f"cannot listen on {host}:{port}: {reason}") from None
        self.port = self.server.effective_port
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}/"
        self.thread = None

    def run(self):
        self.server.run()  # waitress returns after Ctrl-C, having stopped its workers

    def start(self):
        self.thread = threading.Thread(target=self.server.run, name="lenet5-serve", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Close the listening socket and every connection, wait for the worker threads."""
        if self.thread is None:
            return
        # Closing the sockets in the server's own thread (its trigger runs the callable there)
        # empties its socket map, so its loop ends; then the worker threads are joined.
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()
        self.thread = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start(net=None, ckpt=None, host="127.0.0.1", port=0, backend="onnxruntime", info=None):
    """Serve the page for a network in memory (``net``, with its record ``info``; default
    MNIST) or a checkpoint, on a background thread: returns the running :class:`Server`
    (``.url``, ``.stop()``)."""
    if net is None:
        net, info = open_checkpoint(ckpt)
    reader = DigitReader(net, backend, source=os.fspath(ckpt) if ckpt else None, info=info)
    return Server(create_app(reader), host, port).start()


def port_number(text):
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: a number 0-65535 "
                                         "(0: any free port)")
    return port


def interrupt(signum, frame):
    """SIGTERM (kill, docker stop, systemd) stops the server as cleanly as Ctrl-C does."""
    raise KeyboardInterrupt


def add_arguments(p):
    p.add_argument("--ckpt", required=True, help="LeNet5 checkpoint (make train writes "
                   "outputs/lenet5.ckpt); it records its classes and normalisation")
    p.add_argument("--port", type=port_number, default=8000, help="TCP port (0: any free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every "
                   "interface, e.g. to reach a ModelArts or remote machine; no authentication)")
    p.add_argument("--backend", default="onnxruntime", choices=BACKENDS,
                   help="what classifies: onnxruntime runs the checkpoint exported to ONNX at "
                   "start (faster per request), mindspore runs it directly. The conv1 maps "
                   "always come from MindSpore")
    p.add_argument("--variant", default=None, choices=VARIANTS,
                   help="override the variant the checkpoint records")
    p.add_argument("--num_classes", type=int, default=None,
                   help="override the number of classes the checkpoint records")
    p.add_argument("--device_target", default="CPU", help="CPU, GPU, Ascend or auto")


def run(args):
    setup_device(args.device_target)
    net, info = open_checkpoint(args.ckpt, args.variant, args.num_classes)
    reader = DigitReader(net, args.backend, source=args.ckpt, info=info)
    server = Server(create_app(reader), args.host, args.port)
    signal.signal(signal.SIGTERM, interrupt)
    print(f"lenet5 serve: {server.url}  ({args.backend}; Ctrl-C stops)", flush=True)
    server.run()
    print("lenet5 serve: stopped", file=sys.stderr)
    return 0
