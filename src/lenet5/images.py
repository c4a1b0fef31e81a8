"""Reading digits in real images: a photo or scan -> an MNIST-style 28x28 digit -> the network.

MNIST's digits were made like this (LeCun et al.): a black-and-white digit scaled to fit a 20x20
box keeping its aspect ratio (anti-aliasing adds grey levels), then placed in a 28x28 image with
its centre of mass at the centre, white ink on black. :func:`mnist_digit` does the same to any
image, and :func:`preprocess_image` then applies the course pipeline's own resize and normalisation.

    lenet5 predict photo.jpg --ckpt outputs/lenet5.ckpt
    lenet5 predict examples/digits/*.png --onnx export/lenet5.onnx --json
"""
import json
import os

import numpy as np

from .errors import Lenet5Error

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
    from PIL import Image, ImageOps, UnidentifiedImageError
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
    from PIL import Image
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


def preprocess_image(path, input_size=(32, 32)):
    """An image file -> the network's input (1, *input_size) float32, plus the 28x28 digit."""
    from .data import preprocess
    digit = mnist_digit(read_grey(path), name=os.fspath(path))
    return preprocess(digit[None], resize=input_size)[0], digit


def softmax(logits):
    z = np.asarray(logits, dtype=np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)


def top_k(probabilities, k=3, class_names=None):
    """{class name: probability} of the ``k`` likeliest classes, likeliest first."""
    order = np.argsort(-probabilities, kind="stable")[:k]
    names = class_names or [str(i) for i in range(len(probabilities))]
    return {names[i]: round(float(probabilities[i]), 6) for i in order}


def load_digits(paths):
    """Every image as an MNIST-style digit, uint8 (N, 28, 28): one bad file stops it all."""
    return np.stack([mnist_digit(read_grey(path), name=os.fspath(path)) for path in paths])


def classify_digits(digits, classify, input_size=(32, 32), k=3):
    """Top-``k`` class probabilities of each digit: ``classify`` maps a float32 batch
    (N, 1, H, W), normalised like training, to logits (N, classes)."""
    from .data import preprocess
    probabilities = softmax(classify(preprocess(digits, resize=input_size)))
    return [{"digit": int(p.argmax()), "probabilities": top_k(p, k)} for p in probabilities]


def predict_images(paths, classify, input_size=(32, 32), k=3):
    """``[{"path", "digit", "probabilities"}]`` for image files (see :func:`classify_digits`)."""
    results = classify_digits(load_digits(paths), classify, input_size, k)
    return [{"path": os.fspath(path), **result} for path, result in zip(paths, results)]


def classifier(ckpt=None, onnx=None, variant="classic", num_classes=10):
    """``(classify, input_size)`` for a MindSpore checkpoint or an exported ONNX model."""
    if onnx:
        from .runtime import OnnxModel
        model = OnnxModel(onnx)
        return model, model.input_size
    from .export import load_network
    import mindspore as ms
    net = load_network(ckpt, variant, num_classes)
    return (lambda images: net(ms.Tensor(images)).asnumpy()), net.input_size


def add_arguments(p):
    p.add_argument("images", nargs="+", metavar="IMAGE", help="PNG/JPEG/BMP/... files, one digit "
                   "each, any size, dark ink on light paper or light on dark")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--ckpt", help="MindSpore checkpoint of LeNet5 (from main.py)")
    source.add_argument("--onnx", help="exported ONNX model, fp32 or int8 (lenet5 export/quantize)")
    p.add_argument("--variant", default="classic", choices=("classic", "course"),
                   help="LeNet5 variant the checkpoint was trained as (main.py --variant)")
    p.add_argument("--num_classes", type=int, default=10, help="network outputs")
    p.add_argument("--top", type=int, default=3, help="how many likeliest classes to show")
    p.add_argument("--json", action="store_true", help="one JSON object per image and line")
    p.add_argument("--device_target", default="CPU", help="CPU, GPU, Ascend or auto (--ckpt)")


def run(args):
    if args.top < 1:
        raise Lenet5Error(f"--top must be at least 1, got {args.top}")
    for path in (args.ckpt, args.onnx):
        if path and not os.path.isfile(path):
            raise Lenet5Error(f"model file {path!r} does not exist")
    digits = load_digits(args.images)  # a bad image stops us before the slow model loading
    if args.ckpt:
        from .device import setup_device
        setup_device(args.device_target)
    classify, input_size = classifier(args.ckpt, args.onnx, args.variant, args.num_classes)
    results = classify_digits(digits, classify, input_size, args.top)
    for path, result in zip(args.images, results):
        result = {"path": path, **result}
        if args.json:
            print(json.dumps(result))
        else:
            shown = ", ".join(f"{name}: {p:.1%}" for name, p in result["probabilities"].items())
            print(f"{result['path']}: {result['digit']}  ({shown})")
    return 0
