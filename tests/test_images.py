"""`lenet5 predict`: real images -> MNIST-style digits -> the digit and its top-3."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from helpers import ROOT, SAMPLE, assert_one_line_error, run_cli
from lenet5.data import load_arrays
from lenet5.deploy.digits import ImageError, load_digits, mnist_digit, read_grey

EXAMPLES = os.path.join(ROOT, "examples", "digits")


@pytest.fixture(scope="module")
def test_digits():
    images, labels = load_arrays(SAMPLE, split="test")
    return images[:40], labels[:40]


def centre_of_mass(image):
    image = image.astype(np.float64)
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def difference(a, b):
    """Mean absolute difference in grey levels, allowing a shift of one pixel: MNIST centred its
    digits with whole-pixel moves, so a redrawn digit may land one pixel away."""
    a, b = a.astype(int), b.astype(int)
    return min(np.abs(np.roll(a, (dy, dx), axis=(0, 1)) - b).mean()
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def as_drawing(digit, scale=4, sheet=(150, 190), at=(30, 10)):
    """An MNIST digit as someone would draw it: dark ink on white paper, larger, off-centre."""
    ink = Image.fromarray(255 - digit).resize((28 * scale, 28 * scale), Image.Resampling.BICUBIC)
    paper = Image.new("L", sheet[::-1], 255)
    paper.paste(ink, at)
    return paper


def test_drawn_digits_come_back_as_mnist_made_them(test_digits, tmp_path):
    for digit, _ in zip(*test_digits):
        path = tmp_path / "d.png"
        as_drawing(digit).save(path)
        again = mnist_digit(read_grey(path))
        assert again.shape == (28, 28) and again.dtype == np.uint8
        assert difference(again, digit) < 12  # of 255: the same digit, redrawn
        rows, cols = np.flatnonzero(again.max(1)), np.flatnonzero(again.max(0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 20 + 2  # the 20x20 box
        assert np.allclose(centre_of_mass(again), (14, 14), atol=0.6)


def test_light_ink_on_dark_is_not_inverted(test_digits):
    digit = test_digits[0][0]
    again = mnist_digit(digit / 255)
    assert difference(again, digit) < 8


def test_colour_photo_with_shading_and_noise(test_digits, tmp_path):
    """A phone-photo stand-in: RGB, bluish ink, uneven light, sensor noise, JPEG, 400x300."""
    digit = test_digits[0][0]
    ink = np.asarray(as_drawing(digit, scale=8, sheet=(300, 400), at=(120, 40)), np.float32)
    rng = np.random.default_rng(0)
    light = np.linspace(0.75, 1.0, 400)[None, :]  # darker on the left
    paper = np.stack([ink * light * c for c in (0.95, 0.93, 0.85)], axis=-1)
    ink_tint = (ink < 128)[..., None] * np.array([0, 0, 40])
    photo = np.clip(paper + ink_tint + rng.normal(0, 6, paper.shape), 0, 255).astype(np.uint8)
    path = tmp_path / "photo.jpg"
    Image.fromarray(photo, "RGB").save(path, quality=85)
    again = mnist_digit(read_grey(path))
    assert difference(again, digit) < 16
    assert again[:3].max() == 0 and again[:, :3].max() == 0  # paper became clean black


def test_transparent_png_counts_as_white_paper(test_digits, tmp_path):
    digit = test_digits[0][0]
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = digit  # black ink, transparency everywhere else
    path = tmp_path / "t.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert difference(mnist_digit(read_grey(path)), digit) < 12


@pytest.mark.parametrize("make, match", [
    (lambda p: Image.new("L", (64, 64), 255).save(p), "no digit found"),
    (lambda p: Image.fromarray(np.random.default_rng(0).normal(200, 3, (64, 64))
                               .clip(0, 255).astype(np.uint8)).save(p), "no digit found"),
    (lambda p: p.write_text("7, not a picture of one"), "not an image file"),
    (lambda p: p.write_bytes(open(os.path.join(EXAMPLES, "7.png"), "rb").read()[:300]),
     "corrupt or truncated image"),
    (lambda p: None, "does not exist"),
    (lambda p: p.mkdir(), "a folder, not an image file"),
])
def test_unusable_images(tmp_path, make, match):
    path = tmp_path / "x.png"
    make(path)
    with pytest.raises(ImageError, match=match):
        load_digits([path])


def test_examples_are_ten_digits_named_by_label():
    names = sorted(os.listdir(EXAMPLES))
    assert names == [f"{d}.png" for d in range(10)]
    for name in names:
        with Image.open(os.path.join(EXAMPLES, name)) as image:
            grey = np.asarray(image.convert("L"))
        assert np.median(grey) > 200  # dark ink on light paper, as people write


@pytest.mark.slow
@pytest.mark.parametrize("route", ["ckpt", "onnx"])
def test_predict_reads_every_example_right(trained_ckpt, tmp_path, capsys, route):
    model = ["--ckpt", trained_ckpt]
    if route == "onnx":
        assert run_cli(capsys, "export", "--ckpt", trained_ckpt, "--out", tmp_path,
                       "--data_url", SAMPLE)[0] == 0
        model = ["--onnx", tmp_path / "lenet5.onnx"]
    paths = [os.path.join(EXAMPLES, f"{d}.png") for d in range(10)]
    code, out, err = run_cli(capsys, "predict", *paths, *model, "--json")
    assert code == 0, err
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["path"] for r in results] == paths
    for digit, result in enumerate(results):
        probabilities = list(result["probabilities"].values())
        assert result["class"] == digit and result["label"] == str(digit), result
        assert list(result["probabilities"])[0] == str(digit) and len(probabilities) == 3
        assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1.0001


@pytest.mark.slow
def test_predict_plain_output(trained_ckpt, capsys):
    code, out, _ = run_cli(capsys, "predict", os.path.join(EXAMPLES, "7.png"), "--ckpt",
                           trained_ckpt, "--top", "2")
    assert code == 0 and out.startswith(os.path.join(EXAMPLES, "7.png") + ": 7  (7: ")
    assert out.count("%") == 2


def test_predict_bad_input(tmp_path, capsys):
    good = os.path.join(EXAMPLES, "3.png")
    blank = tmp_path / "blank.png"
    Image.new("RGB", (40, 40), "white").save(blank)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    ckpt = tmp_path / "fake.ckpt"
    ckpt.write_bytes(b"not a checkpoint")
    for args, match in (
            ([good, "--ckpt", tmp_path / "none.ckpt"], "does not exist"),
            ([blank, "--ckpt", ckpt], "no digit found"),
            ([good, text, "--ckpt", ckpt], "not an image file"),
            ([good, "--ckpt", ckpt], "not a readable MindSpore checkpoint"),
            ([good, "--onnx", text], "not a usable ONNX model"),
            ([good], "one of the arguments --ckpt --onnx is required"),
            ([good, "--ckpt", ckpt, "--top", "0"], "--top must be at least 1")):
        assert_one_line_error(*run_cli(capsys, "predict", *args), match)
    assert sorted(os.listdir(tmp_path)) == ["blank.png", "fake.ckpt", "notes.txt"]
