"""Real images as the network's data: a photo or scan -> an MNIST-style 28x28 digit.

MNIST's digits were made like this (LeCun et al.): a black-and-white digit scaled to fit a 20x20
box keeping its aspect ratio (anti-aliasing adds grey levels), then placed in a 28x28 image with
its centre of mass at the centre, white ink on black. :func:`mnist_digit` does the same to any
image; ``lenet5.data.preprocess`` then applies the course pipeline's own resize and
normalisation (``lenet5 predict`` and ``lenet5 serve`` do both).
"""
import io
import os

import numpy as np
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from ..errors import Lenet5Error

BOX, CANVAS = 20, 28  # MNIST: the digit fits a 20x20 box inside a 28x28 image
# A pixel counts as paper below INK_RANGE[0] and as full ink above INK_RANGE[1] (fractions of
# the strongest ink): NIST's digits were black-and-white, and this removes paper texture,
# shading and JPEG noise that MNIST never showed the network.
INK_RANGE = (0.2, 0.8)
MIN_CONTRAST = 0.15  # ink must differ from the paper by 15% of the grey range, else: blank


class ImageError(Lenet5Error):
    """An image file that cannot be read, or that shows no digit."""


class BlankImageError(ImageError):
    """An image with no ink on it: paper only (``lenet5 serve`` answers "no ink")."""


def read_grey(path):
    """The image at ``path`` as grey levels in [0, 1], shape (H, W). Any size, mode or format
    Pillow reads; transparent pixels count as white paper; EXIF rotation is applied."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ImageError(f"{path}: a folder, not an image file")
    if not os.path.isfile(path):
        raise ImageError(f"image {path!r} does not exist")
    return decode_grey(path, name=path)


def decode_grey(source, name="image"):
    """:func:`read_grey` for a path or a binary file object (e.g. ``io.BytesIO(upload)``)."""
    try:
        with Image.open(source) as image:
            image = ImageOps.exif_transpose(image)  # phone photos store their rotation in EXIF
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image = image.convert("RGBA")
                image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
            grey = np.asarray(image.convert("L"), dtype=np.float32) / 255
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image file (PNG, JPEG, BMP, ... expected)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ImageError(f"{name}: corrupt or truncated image ({e})") from None
    if grey.size == 0:
        raise ImageError(f"{name}: empty image")
    return grey


def mnist_digit(grey, name="image"):
    """Grey levels in [0, 1] (H, W), any polarity -> uint8 (28, 28), white digit on black,
    scaled into a 20x20 box and centred by centre of mass, as MNIST's digits were."""
    grey = np.asarray(grey, dtype=np.float32)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    if paper > 0.5:  # dark ink on light paper: invert, MNIST's ink is light on dark
        grey, paper = 1 - grey, 1 - paper
    contrast = float(grey.max()) - paper
    if contrast < MIN_CONTRAST:
        raise BlankImageError(f"{name}: no digit found (blank image: ink and paper differ by "
                              f"{max(contrast, 0):.0%} of the grey range)")
    low, high = INK_RANGE
    ink = np.clip(((grey - paper) / contrast - low) / (high - low), 0, 1)
    strong = ink >= 0.5  # the box around clear ink: stray specks of dust or noise stay out
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = BOX / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = Image.fromarray(crop, mode="F").resize(size, Image.Resampling.LANCZOS)
    small = np.clip(np.asarray(small, dtype=np.float32), 0, 1)
    # Centre of mass to pixel (14, 14): where it lies in MNIST (mean 14.0, sd 0.3 on our test split).
    cy, cx = (np.average(np.arange(n), weights=small.sum(axis=1 - axis))
              for axis, n in enumerate(small.shape))
    top = int(np.clip(round(CANVAS / 2 - cy), 0, CANVAS - small.shape[0]))
    left = int(np.clip(round(CANVAS / 2 - cx), 0, CANVAS - small.shape[1]))
    digit = np.zeros((CANVAS, CANVAS), dtype=np.float32)
    digit[top:top + small.shape[0], left:left + small.shape[1]] = small
    return np.round(digit * 255).astype(np.uint8)


def load_digits(paths):
    """Every image as an MNIST-style digit, uint8 (N, 28, 28): one bad file stops it all."""
    return np.stack([mnist_digit(read_grey(path), name=os.fspath(path)) for path in paths])


def png_bytes(image):
    """A PIL image as the bytes of a PNG file (what the draw-a-digit page sends)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


CANVAS_SIZE = 280  # the draw-a-digit page's canvas, in pixels


def canvas_lines(strokes, width=18, fill=0):
    """Straight strokes (each a list of (x, y) points) drawn on a white canvas as the page draws
    them, as PNG bytes: notebook 8's "1", a letter, a small line in a corner."""
    canvas = Image.new("L", (CANVAS_SIZE, CANVAS_SIZE), 255)
    pen = ImageDraw.Draw(canvas)
    for stroke in strokes:
        pen.line(stroke, fill=fill, width=width)
    return png_bytes(canvas)


def canvas_ring(width=18, fill=0):
    """Notebook 8's "0": a ring on a white canvas, as PNG bytes; ``fill`` is the ink's grey."""
    canvas = Image.new("L", (CANVAS_SIZE, CANVAS_SIZE), 255)
    ImageDraw.Draw(canvas).ellipse([(75, 40), (205, 240)], outline=fill, width=width)
    return png_bytes(canvas)


def canvas_drawing(kind):
    """Notebook 8's drawings, as the page makes them: a "1" (a line) or a "0" (a ring) in
    18-pixel black strokes on a white 280x280 canvas, as PNG bytes."""
    if kind == "1":
        return canvas_lines([[(140, 40), (140, 240)]])
    if kind == "0":
        return canvas_ring()
    raise ValueError(f'kind must be "1" or "0", not {kind!r}')
