"""The int8 ONNX model of ``lenet5 quantize`` run by hand, in NumPy, with integers only.

The file is in QDQ form: float operators wrapped in DequantizeLinear (DQ) and QuantizeLinear
(Q) nodes. A real value ``r`` is stored as an 8-bit integer ``q`` with a scale ``s`` and a zero
point ``z``:

    r = s * (q - z)                     q = clip(round(r / s) + z, 0, 255)   (uint8)

onnxruntime does not run the DQ → op → Q chains in float: it fuses each into one integer kernel
(QLinearConv, QGemm; max-pooling runs on the uint8 values directly, as NhwcMaxPool on
channels-last tensors). So does this engine: it reads the graph node by node, recognises every
``DQ → op → Q`` pattern and runs the op's integer form. Between the model's first
QuantizeLinear and its last DequantizeLinear every tensor it stores is uint8 (activations), int8
(weights) or int32 (biases, accumulators).

A Conv or Gemm with input ``(x, s_x, z_x)``, int8 weights ``(w, s_w[m], z_w[m])`` per output
channel ``m``, int32 bias ``b`` (stored with scale ``s_x * s_w[m]``) and output ``(s_y, z_y)``:

    acc[m] = b[m] + sum_k (x[k] - z_x) * (w[m, k] - z_w[m])        int32 accumulator
    y[m]   = clip(round(acc[m] * M[m]) + z_y, 0, 255)               M[m] = s_x * s_w[m] / s_y

``M`` is the one real number left: the requantisation multiplier. Two ways to apply it:

* ``requantize="float"`` (default): ``M`` as a float32, one float multiply per output value,
  rounded half to even: what onnxruntime's x86 CPU kernels do (MLAS ``MlasRequantizeOutput``
  after the integer matrix product, with ``M = s_x * s_w / s_y`` computed in float32).
* ``requantize="fixed"``: ``M = m0 * 2**-shift`` with ``m0`` an integer in [2**30, 2**31),
  computed once when the model is loaded; then ``round(acc * M)`` is
  ``(acc * m0 + 2**(shift - 1)) >> shift``, integers only (int64 product), rounding halves up.
  This is the single-rounding form that TensorFlow Lite (``TFLITE_SINGLE_ROUNDING``) and
  CMSIS-NN (``CMSIS_NN_USE_SINGLE_ROUNDING``) offer for chips without a fast FPU; their default
  (as gemmlowp's) rounds twice, a doubling high multiply and then a rounding shift, and can
  differ from this by one step on rare values. The two forms here differ only where ``acc * M``
  lies within float32's precision of a half (about ``|acc * M| * 2**-23``): there the float32
  product can land on the wrong side of the half, or on a half the exact product is not.
  ``m0`` carries 31 bits, so the fixed form is the closer to the exact product.
"""
from dataclasses import dataclass, field

import numpy as np
import onnx
from numpy.lib.stride_tricks import sliding_window_view
from onnx import numpy_helper

from ..errors import Lenet5Error

QMIN, QMAX = 0, 255  # uint8 activations, as lenet5 quantize writes them
REQUANTIZE = ("float", "fixed")
VALUE_OPS = {"MaxPool", "Relu", "Flatten", "Reshape"}  # ops that only move or compare values
WEIGHT_OPS = {"Conv", "Gemm", "MatMul"}  # ops with int8 weights and an int32 accumulator
PLAIN = {"group": 1, "alpha": 1.0, "beta": 1.0, "transA": 0}  # the only values supported


def quantize(x, scale, zero_point):
    """QuantizeLinear: ``q = clip(round_half_even(x / scale) + z, 0, 255)``, uint8.
    The division is in float32, as onnxruntime does it (MLAS divides, it does not multiply by
    ``1 / scale``)."""
    q = np.rint(np.float32(x) / np.float32(scale)) + int(zero_point)
    return np.clip(q, QMIN, QMAX).astype(np.uint8)


def dequantize(q, scale, zero_point):
    """DequantizeLinear: ``r = (q - z) * scale``, float32."""
    return ((q.astype(np.int32) - int(zero_point)) * np.float32(scale)).astype(np.float32)


def requantize(acc, multiplier, zero_point):
    """int32 accumulators to uint8 as onnxruntime does: ``clip(round_half_even(float32(acc) *
    M) + z, 0, 255)``, ``M`` float32 (one per output channel, on axis 1 of ``acc``)."""
    scaled = acc.astype(np.float32) * _channels(np.float32(multiplier), acc.ndim)
    return np.clip(np.rint(scaled).astype(np.int32) + int(zero_point), QMIN, QMAX).astype(np.uint8)


def fixed_point(multiplier):
    """``M`` as ``m0 * 2**-shift``: ``m0`` int64 in [2**30, 2**31) (an int32 on a device),
    ``shift`` int64, both computed once from the float scales (in float64, as TFLite's
    ``QuantizeMultiplier`` does)."""
    mantissa, exponent = np.frexp(np.asarray(multiplier, np.float64))  # M = mantissa * 2**exp
    m0 = np.round(mantissa * 2.0 ** 31).astype(np.int64)
    carry = m0 == 2 ** 31  # the mantissa rounded up to 1.0
    m0, exponent = np.where(carry, 2 ** 30, m0), np.where(carry, exponent + 1, exponent)
    shift = 31 - exponent.astype(np.int64)
    if np.any(shift < 1) or np.any(shift > 62):
        raise Lenet5Error(f"requantisation multiplier {multiplier} is out of the fixed-point "
                          "range")
    return m0, shift


def requantize_fixed(acc, m0, shift, zero_point):
    """int32 accumulators to uint8 with integers only:
    ``clip(((acc * m0 + 2**(shift-1)) >> shift) + z, 0, 255)`` (int64 product, halves up)."""
    m0, shift = _channels(m0, acc.ndim), _channels(shift, acc.ndim)
    rounded = (acc.astype(np.int64) * m0 + (np.int64(1) << (shift - 1))) >> shift
    return np.clip(rounded + int(zero_point), QMIN, QMAX).astype(np.uint8)


def conv_int32(x, x_zero_point, w, w_zero_point, bias, strides=(1, 1), pads=(0, 0, 0, 0)):
    """The integer convolution: ``acc[n, m, i, j] = bias[m] + sum_{c, u, v} (x[n, c, i*s + u,
    j*s + v] - z_x) * (w[m, c, u, v] - z_w[m])``, int32 (N, M, OH, OW) from uint8 ``x``
    (N, C, H, W) and int8 ``w`` (M, C, KH, KW). Padding adds the value ``z_x``, which is the
    real value 0, as in QLinearConv. Every window becomes one row of a
    matrix (im2col), so the convolution is one matrix product, as onnxruntime does for
    LeNet5's convolutions (channels-last). Its faster *indirect* kernel, which reads the windows
    through a table of pointers and requantises inside, needs on x86 a multiple of 4 input
    channels and at least 16 filters; conv1 (1 input channel, 6 filters) and conv2 (6 input
    channels) do not qualify."""
    top, left, bottom, right = pads
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=x_zero_point)
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))[:, :, ::strides[0], ::strides[1]]
    n, c, oh, ow, kh, kw = windows.shape
    rows = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    acc = gemm_int32(rows, x_zero_point, w.reshape(len(w), -1), w_zero_point, bias)
    return acc.reshape(n, oh, ow, len(w)).transpose(0, 3, 1, 2)


def gemm_int32(x, x_zero_point, w, w_zero_point, bias):
    """The integer matrix product: ``acc[n, m] = bias[m] + sum_k (x[n, k] - z_x) * (w[m, k] -
    z_w[m])``, int32 (N, M) from uint8 ``x`` (N, K) and int8 ``w`` (M, K)."""
    xs = x.astype(np.int32) - int(x_zero_point)
    ws = w.astype(np.int32) - w_zero_point.astype(np.int32)[:, None]
    return xs @ ws.T + bias


def max_pool(x, kernel, strides):
    """MaxPool on the uint8 values: with one scale and zero point for input and output,
    ``max`` of the integers is the integer of the ``max``, so no requantisation is needed."""
    windows = sliding_window_view(x, kernel, axis=(2, 3))[:, :, ::strides[0], ::strides[1]]
    return windows.max(axis=(4, 5))


def cpu_has_vnni(cpuinfo="/proc/cpuinfo"):
    """True on an x86 CPU whose flags (Linux's ``/proc/cpuinfo``) include VNNI (``avx512_vnni``
    or ``avx_vnni``). There onnxruntime's uint8 x int8 kernels add the products exactly in 32
    bits (``VPDPBUSD``), so its int8 logits can equal this engine's (float form) bit for bit,
    as the tests and notebook 11 check there.
    False everywhere else, including when the flags cannot be read: x86 CPUs without VNNI add
    pairs of products into 16 bits with saturation (``VPMADDUBSW``), and other CPUs' kernels
    are not checked here."""
    try:
        with open(cpuinfo) as f:
            flags = {word for line in f if line.startswith("flags") for word in line.split()}
    except OSError:
        return False
    return bool(flags & {"avx512_vnni", "avx_vnni"})


def _channels(values, ndim, axis=1):
    """``values`` (one per channel) shaped to broadcast along ``axis`` of an ``ndim`` array."""
    values = np.asarray(values)
    if values.ndim == 0:
        return values
    shape = [1] * ndim
    shape[axis] = -1
    return values.reshape(shape)


@dataclass
class IntegerStep:
    """One integer kernel: ``op`` reads the uint8 tensor ``input`` (scale and zero point
    ``input_q``) and writes the uint8 tensor ``output`` (``output_q``). Conv, Gemm and MatMul
    also hold their int8 ``weight`` (M, ...) with per-channel ``weight_q``, their int32
    ``bias`` and the requantisation multiplier: float32 ``multiplier`` and, for
    ``requantize="fixed"``, ``fixed`` = (m0, shift)."""
    name: str
    op: str
    input: str
    output: str
    input_q: tuple
    output_q: tuple
    attrs: dict = field(default_factory=dict)
    weight: np.ndarray = None
    weight_q: tuple = None
    bias: np.ndarray = None
    multiplier: np.ndarray = None
    fixed: tuple = None

    def weight_bytes(self):
        """Bytes of the integer parameters: 1 per int8 weight, 4 per int32 bias (scales and
        zero points not counted, as in :mod:`lenet5.deploy.footprint`)."""
        return 0 if self.weight is None else self.weight.nbytes + self.bias.nbytes


class Int8Engine:
    """A QDQ int8 ONNX model (as ``lenet5 quantize`` writes it) run with integer arithmetic.

        engine = Int8Engine("export-int8/lenet5-int8.onnx")
        logits = engine(images)                 # float32 (N, 1, H, W) -> float32 (N, classes)
        logits, trace = engine.run(images)      # trace: every tensor the engine wrote

    ``requantize``: ``"float"`` (a float32 multiplier, as onnxruntime) or ``"fixed"`` (an
    integer multiplier and a shift). Any batch size runs: the file's batch of 1 is a property
    of its input's shape, not of the arithmetic.
    """

    def __init__(self, path, requantize="float"):
        if requantize not in REQUANTIZE:
            raise Lenet5Error(f"requantize must be one of {REQUANTIZE}, got {requantize!r}")
        self.path, self.requantize = str(path), requantize
        try:
            graph = onnx.load(self.path).graph
        except Exception as e:  # a missing file, or one that is not ONNX
            raise Lenet5Error(f"{self.path}: not a readable ONNX model ({e})") from None
        self.constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        inputs = [i.name for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1 or len(graph.output) != 1:
            raise Lenet5Error(f"{self.path}: the int8 engine runs models with one input and "
                              "one output")
        self.input_name, self.output_name = inputs[0], graph.output[0].name
        self.input_step = self.output_step = None  # (uint8 tensor, (scale, zero point))
        self.steps = self._read(graph.node)
        if self.input_step is None or self.output_step is None:
            raise Lenet5Error(f"{self.path}: not a QDQ model (no QuantizeLinear on its input or "
                              "no DequantizeLinear on its output)")

    # -- reading the graph ---------------------------------------------------------------------
    def _q(self, node):
        """(scale, zero point) of a QuantizeLinear/DequantizeLinear node."""
        scale = self.constants[node.input[1]]
        zero_point = self.constants[node.input[2]] if len(node.input) > 2 else np.uint8(0)
        return scale, zero_point

    def _fail(self, node, why):
        return Lenet5Error(f"{self.path}: {node.op_type} {node.name!r} {why}")

    def _read(self, nodes):
        """The integer steps of the QDQ graph: its input's Q, one step per DQ → op → Q, its
        output's DQ. The DQ nodes of constants give the steps their int8/int32 data."""
        dq = {}  # float tensor -> the DequantizeLinear that made it
        q_after = {n.input[0]: n for n in nodes if n.op_type == "QuantizeLinear"}
        folded, steps, counts = set(), [], {}
        for node in nodes:
            if node.op_type == "DequantizeLinear":
                dq[node.output[0]] = node
                if node.output[0] == self.output_name:
                    self.output_step = (node.input[0], self._q(node))
            elif node.op_type == "QuantizeLinear":
                if node.input[0] == self.input_name:
                    self.input_step = (node.output[0], self._q(node))
                elif node.output[0] not in folded:
                    raise self._fail(node, "follows no operator the int8 engine knows")
            elif node.input[0] not in dq or node.output[0] not in q_after:
                raise self._fail(node, "is not wrapped in DequantizeLinear/QuantizeLinear")
            else:
                counts[node.op_type] = counts.get(node.op_type, 0) + 1
                q_node = q_after[node.output[0]]
                folded.add(q_node.output[0])
                steps.append(self._step(node, dq, q_node, counts[node.op_type]))
        return steps

    def _step(self, node, dq, q_node, count):
        x_dq = dq[node.input[0]]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        step = IntegerStep(f"{node.op_type.lower()}{count}", node.op_type, x_dq.input[0],
                    q_node.output[0], self._q(x_dq), self._q(q_node), attrs)
        if node.op_type in VALUE_OPS:
            if not all(np.array_equal(a, b) for a, b in zip(step.input_q, step.output_q)):
                raise self._fail(node, "changes scale or zero point: not supported")
            if node.op_type == "Reshape":
                attrs["shape"] = self.constants[node.input[1]]
            if node.op_type == "MaxPool" and (any(attrs.get("pads", [0]))
                                              or attrs.get("ceil_mode", 0)):
                raise self._fail(node, "is padded or in ceil mode: not supported")
            return step
        if node.op_type not in WEIGHT_OPS:
            raise self._fail(node, "is an operator the int8 engine does not run (it runs "
                                   f"{', '.join(sorted(WEIGHT_OPS | VALUE_OPS))})")
        if any(attrs.get(k, v) != v for k, v in PLAIN.items()) \
                or any(d != 1 for d in attrs.get("dilations", [1])) \
                or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", b"VALID"):
            raise self._fail(node, f"has attributes the int8 engine does not support: {attrs}")
        if any(name not in dq for name in node.input[1:]):
            raise self._fail(node, "has weights that are not constants behind a "
                                   "DequantizeLinear")
        w_dq = dq[node.input[1]]
        step.weight, step.weight_q = self.constants[w_dq.input[0]], self._q(w_dq)
        if node.op_type == "MatMul" or node.op_type == "Gemm" and not attrs.get("transB"):
            step.weight = step.weight.T  # stored (K, M): the engine keeps weights (M, K)
        step.name = w_dq.input[0].removesuffix("_quantized").rsplit(".", 1)[0]  # conv1.weight
        x_scale, w_scale, y_scale = (np.float32(step.input_q[0]),
                                     step.weight_q[0].astype(np.float32),
                                     np.float32(step.output_q[0]))
        step.bias = np.zeros(len(step.weight), np.int32)
        if len(node.input) > 2:
            b_dq = dq[node.input[2]]
            step.bias = self.constants[b_dq.input[0]].astype(np.int32)
            if not np.allclose(self._q(b_dq)[0], x_scale * w_scale, rtol=1e-6):
                raise self._fail(node, "has a bias not stored with scale s_x * s_w")
        step.multiplier = (x_scale * w_scale) / y_scale  # float32, in onnxruntime's order
        if self.requantize == "fixed":  # from the exact real number, as TFLite does
            step.fixed = fixed_point(np.float64(x_scale) * w_scale.astype(np.float64)
                                     / np.float64(y_scale))
        return step

    # -- running -------------------------------------------------------------------------------
    def _execute(self, step, x):
        """One integer step on the uint8 tensor ``x``: (uint8 output, int32 accumulator or
        None)."""
        a = step.attrs
        if step.op == "MaxPool":
            kernel = tuple(a["kernel_shape"])
            return max_pool(x, kernel, tuple(a.get("strides", kernel))), None
        if step.op == "Relu":  # the real 0 is the integer z: clip below it
            return np.maximum(x, step.input_q[1]).astype(np.uint8), None
        if step.op == "Flatten":
            axis = a.get("axis", 1)
            return x.reshape(int(np.prod(x.shape[:axis])), -1), None
        if step.op == "Reshape":  # a 0 keeps the input's dimension, as in ONNX
            return x.reshape([x.shape[i] if d == 0 else d for i, d in enumerate(a["shape"])]), None
        w_zero = np.broadcast_to(step.weight_q[1], len(step.weight))
        if step.op == "Conv":
            acc = conv_int32(x, step.input_q[1], step.weight, w_zero, step.bias,
                             tuple(a.get("strides", (1, 1))), tuple(a.get("pads", (0,) * 4)))
        else:
            acc = gemm_int32(x, step.input_q[1], step.weight, w_zero, step.bias)
        if self.requantize == "fixed":
            return requantize_fixed(acc, *step.fixed, step.output_q[1]), acc
        return requantize(acc, step.multiplier, step.output_q[1]), acc

    def run(self, images):
        """Logits (float32) for ``images`` (float32 N, 1, H, W), and the trace: {tensor name:
        array} for every tensor written, the int32 accumulators as ``<step name>.acc``."""
        name, (scale, zero_point) = self.input_step
        trace = {name: quantize(np.asarray(images, np.float32), scale, zero_point)}
        for step in self.steps:
            trace[step.output], acc = self._execute(step, trace[step.input])
            if acc is not None:
                trace[f"{step.name}.acc"] = acc
        name, (scale, zero_point) = self.output_step
        return dequantize(trace[name], scale, zero_point), trace

    def __call__(self, images, batch=250):
        """Logits (float32, N x classes) for ``images``, ``batch`` images at a time."""
        return np.concatenate([self.run(images[i:i + batch])[0]
                               for i in range(0, len(images), batch)])

    # -- what it costs -------------------------------------------------------------------------
    def peak_activation_bytes(self, input_shape):
        """The most bytes of uint8 activations alive at once for one image of ``input_shape``
        (C, H, W): each step holds its input and its output, then frees its input; Relu,
        Flatten and Reshape work in place. The int32 accumulators are not counted: a kernel on
        a small device requantises each output value as soon as its sum is done."""
        _, trace = self.run(np.zeros((1, *input_shape), np.float32))
        peak = trace[self.input_step[0]].nbytes
        for step in self.steps:
            in_place = step.op in ("Relu", "Flatten", "Reshape")
            peak = max(peak, trace[step.output].nbytes + (0 if in_place else
                                                          trace[step.input].nbytes))
        return peak

    def layers(self):
        """{step name: {"int8": bytes of int8 weights + int32 biases, "fp32": 4 per value}}
        for the steps with weights."""
        return {s.name: {"int8": s.weight_bytes(), "fp32": 4 * (s.weight.size + s.bias.size)}
                for s in self.steps if s.weight is not None}
