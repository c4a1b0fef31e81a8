"""Notebook 8 (draw a digit): answers to its checked questions, asked of a server of its own."""
import atexit
import io
import json
import urllib.error
import urllib.request

import numpy as np
from PIL import Image, ImageDraw

import lenet5
from lenet5.deploy import serve
from lenet5.deploy.digits import canvas_drawing as drawing, canvas_lines as letter, canvas_lines, \
    canvas_ring as ring, decode_grey, mnist_digit, png_bytes

from exercise_answers.nb06 import trained_network

net = trained_network()
server = serve.start(net=net, port=0)
atexit.register(server.stop)


def ask(data):
    request = urllib.request.Request(server.url + "predict", data=data, headers={"Content-Type": "image/png"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def corner_drawing():
    return canvas_lines([[(20, 20), (20, 60)]], width=4)


answers = {kind: ask(drawing(kind)) for kind in ("1", "0")}
letters = {"X": [[(60, 40), (220, 240)], [(220, 40), (60, 240)]],
           "A": [[(140, 40), (60, 240)], [(140, 40), (220, 240)], [(95, 160), (185, 160)]]}
_small = ask(corner_drawing())
_pens = {width: ask(ring(width)) for width in (4, 18, 60)}
_letters = {name: ask(letter(strokes)) for name, strokes in letters.items()}
_mine = lenet5.predict(net, lenet5.data.preprocess(mnist_digit(decode_grey(io.BytesIO(drawing("0"))))[None]))[0]


def right():
    return {"net": net, "drawing": drawing, "ask": ask, "answers": answers, "letters": letters,
            "corner": corner_drawing(), "small": _small,
            "same_digit": np.array_equal(_small["mnist_digit"], answers["1"]["mnist_digit"]),
            "ring": ring,
            "pen_confidence": {w: max(a["probabilities"]) for w, a in _pens.items()},
            "pen_ink": {w: int((np.array(a["mnist_digit"]) > 127).sum()) for w, a in _pens.items()},
            "faint_code": 422, "lightest_read": 210,
            "letter_label": {n: a["label"] for n, a in _letters.items()},
            "letter_confidence": {n: max(a["probabilities"]) for n, a in _letters.items()},
            "mine": _mine, "largest_difference": float(np.abs(_mine - np.array(answers["0"]["probabilities"])).max()),
            "quiz8_1": "c", "quiz8_2": "a", "quiz8_3": "d", "quiz8_4": "b"}


def _filled(width, fill=0):  # fill= where outline= was meant: a solid disc
    canvas = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(canvas).ellipse([(75, 40), (205, 240)], fill=fill, width=width)
    return png_bytes(canvas)


_r = right()
_conf = _r["pen_confidence"]
_lc = _r["letter_confidence"]
WRONG = {
    "ex8_1": [({"corner": drawing("1")}, "top-left corner"),
              ({"small": None}, "small = ask(corner)"),
              ({"same_digit": np.asarray(_small["mnist_digit"]) == np.asarray(answers["1"]["mnist_digit"])}, "one True or False"),
              ({"same_digit": not _r["same_digit"]}, "Not yet")],
    "ex8_2": [({"ring": lambda width, fill=0: ring(18, fill)}, "pass the width"),
              ({"ring": _filled}, "must draw the notebook's '0'"),
              ({"pen_confidence": {w: 100 * p for w, p in _conf.items()}}, "a fraction between 0.1 and 1"),
              ({"pen_ink": {w: int((np.array(a["input"]) > 127).sum()) for w, a in _pens.items()}}, "'input' is normalised"),
              ({"pen_confidence": {4: _conf[60], 18: _conf[18], 60: _conf[4]}}, "Not yet: for each width")],
    "ex8_3": [({"faint_code": 200}, "200 means the server read a digit"),
              ({"faint_code": "422"}, "whole number"),
              ({"lightest_read": 220}, "does not read ink 220"),
              ({"lightest_read": 200}, "one of the three fill values you tried")],
    "ex8_4": [({"letter_confidence": {n: 100 * p for n, p in _lc.items()}}, "not a percentage"),
              ({"letter_label": {"X": "X", "A": "A"}}, "no other answer"),
              ({"letter_confidence": {"X": _lc["A"], "A": _lc["X"]}}, "Not yet")],
    "ex8_5": [({"mine": _mine[None]}, "take its first row"),
              ({"mine": np.array(answers["1"]["probabilities"])}, "Not yet: make the drawing"),
              ({"largest_difference": 0.0}, "Not yet: largest_difference")],
    "quiz8_1": [({"quiz8_1": "a"}, "preparation that removes size and position")],
    "quiz8_2": [({"quiz8_2": "d"}, "no threshold")],
    "quiz8_3": [({"quiz8_3": "b"}, "rescaled to the strongest ink")],
    "quiz8_4": [({"quiz8_4": "a"}, "this machine only")],
}
