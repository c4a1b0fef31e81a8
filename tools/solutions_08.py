"""Runs the worked solutions of lesson 8's exercises and writes the numbers they quote.

    python tools/solutions_08.py [--json docs/results/solutions-08.json] [--only 2 4]

The code of each solution in course/solutions.md (section 8), with notebook 08's set-up: the
checkpoint of notebook 03 (the course recipe from seed 1, trained here the same way) served on
127.0.0.1, and the notebook's ``drawing``, ``ask`` and ``answers``; ``tools/figures.py`` copies
the numbers into the solutions. Solution 8.2 also counts the ink of the test digits, 8.4 the
confidence of notebook 07's fp32 ONNX model on the test split. About half a minute on a 2-core
CPU (one training).
"""
import io
import json
import os
import sys
import urllib.error
import urllib.request
from types import SimpleNamespace

import numpy as np

from solution_setup import DATA, course_network, lenet5, run
from lenet5.data import labelled_images
from lenet5.deploy import OnnxModel, export, serve
# notebook 08's drawings: the "1" and "0", its letters and rings
from lenet5.deploy.digits import canvas_drawing as drawing, canvas_lines as letter, canvas_ring as ring

HALF_INK = 127  # "pixels above half ink" in a 28x28 uint8 digit


def notebook(folder):
    net, info, ckpt = course_network(folder)
    server = serve.start(ckpt=ckpt, port=0)

    def ask(data):
        request = urllib.request.Request(server.url + "predict", data=data,
                                         headers={"Content-Type": "image/png"})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    answers = {kind: ask(drawing(kind)) for kind in ("1", "0")}
    return SimpleNamespace(net=net, info=info, folder=folder, ask=ask, answers=answers,
                           close=server.stop)


def top(probabilities, n):
    """The ``n`` most probable digits: [[digit, probability], ...]."""
    p = np.array(probabilities)
    return [[int(i), float(p[i])] for i in np.argsort(-p)[:n]]


def solution_1(nb):
    small, large = nb.ask(letter([[(20, 20), (20, 60)]], width=4)), nb.answers["1"]
    return {name: {"label": answer["label"], "probability": max(answer["probabilities"])}
            for name, answer in (("small", small), ("large", large))} | {
        "same_digit": bool(np.array_equal(small["mnist_digit"], large["mnist_digit"]))}


def solution_2(nb):
    pens = {}
    for width in (4, 18, 60):
        answer = nb.ask(ring(width))
        strong = int((np.array(answer["mnist_digit"]) > HALF_INK).sum())
        pens[str(width)] = {"top": top(answer["probabilities"], 2), "strong": strong}
    # What the test digits hold: the fewest strong pixels of any, the middle 90% of the 0s
    test_images, test_labels = lenet5.load_arrays(DATA, "test")
    strong = (test_images > HALF_INK).sum(axis=(1, 2))
    zeros = strong[test_labels == 0]
    low, high = np.percentile(zeros, [5, 95])
    return {"pens": pens, "test_fewest_strong": int(strong.min()),
            "zeros_middle90": [float(low), float(high)],
            "zeros_heavier_than_60px": int(np.sum(zeros > pens["60"]["strong"])),
            "zeros": int(len(zeros))}


def solution_3(nb):
    results = {}
    for fill in (230, 220, 210):
        try:
            answer = nb.ask(ring(18, fill))
            results[str(fill)] = {"label": answer["label"],
                                  "probability": max(answer["probabilities"])}
        except urllib.error.HTTPError as e:
            results[str(fill)] = {"code": e.code, "error": json.load(e)["error"]}
    black = nb.ask(ring(18))
    results["same_as_black"] = bool(
        "label" in results["210"]
        and results["210"]["probability"] == max(black["probabilities"]))
    return results


def solution_4(nb):
    letters = {"X": [[(60, 40), (220, 240)], [(220, 40), (60, 240)]],
               "A": [[(140, 40), (60, 240)], [(140, 40), (220, 240)], [(95, 160), (185, 160)]]}
    read = {name: top(nb.ask(letter(strokes))["probabilities"], 3)
            for name, strokes in letters.items()}
    # Notebook 07's fp32 model on the test split: right answers less sure than the A
    model = export(nb.net, os.path.join(nb.folder, "export"), "ONNX", data_dir=DATA,
                   info=nb.info)["model"]
    images, labels = labelled_images(DATA, "test")
    logits = OnnxModel(model)(images)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    confidence = (p / p.sum(axis=1, keepdims=True)).max(axis=1)
    right = logits.argmax(axis=1) == labels
    below = int(np.sum(right & (confidence < read["A"][0][1])))
    return {"letters": read, "right": int(right.sum()), "right_below_A": below,
            "right_below_A_share": below / int(right.sum())}


def solution_5(nb):
    from lenet5.deploy.digits import decode_grey, mnist_digit

    digit = mnist_digit(decode_grey(io.BytesIO(drawing("0"))))
    mine = lenet5.predict(nb.net, lenet5.data.preprocess(digit[None]))[0]
    served = np.array(nb.ask(drawing("0"))["probabilities"])
    return {"same_digit": bool(np.array_equal(digit, nb.answers["0"]["mnist_digit"])),
            "largest_difference": float(np.abs(mine - served).max())}


if __name__ == "__main__":
    sys.exit(run(8, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4,
                     5: solution_5}, notebook))
