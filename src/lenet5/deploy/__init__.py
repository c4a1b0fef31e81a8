"""Using a trained network outside training: export it (MINDIR, ONNX, AIR) with a sidecar
(``export``), quantize it to int8 (``quantize``), run it in onnxruntime (``onnx_model``) or the
int8 model by hand with integers only (``int8_engine``), read digits in real images
(``digits``, ``predict``), measure what it costs on a small device (``footprint``) and serve a
page to draw on (``serve``). Each command reads the checkpoint's record
(:mod:`lenet5.checkpoint`) for its classes and normalisation."""
from .digits import BlankImageError, ImageError, load_digits, mnist_digit, read_grey
from .export import export, read_test_vectors
from .int8_engine import Int8Engine
from .onnx_model import OnnxModel, accuracy
from .predict import classifier, classify_digits
from .quantize import quantize_network, quantize_onnx

__all__ = ["BlankImageError", "ImageError", "Int8Engine", "OnnxModel", "accuracy", "classifier",
           "classify_digits", "export", "load_digits", "mnist_digit", "quantize_network",
           "quantize_onnx", "read_grey", "read_test_vectors"]
