"""LeNet5 from scratch, in NumPy only: every layer's forward and backward pass, written to be
read (notebook 9). The parameters are a dict named as MindSpore names them (``conv1.weight``,
``conv1.bias``, ..., ``fc3.bias``), so a result compares directly with :class:`lenet5.LeNet5`:

    params = scratch.params_of(net)                     # or scratch.init_params("classic")
    logits, cache = scratch.forward_pass(params, x, net.variant)
    grads = scratch.backward_pass(cache, labels)        # {name: gradient of the mean loss}

Shapes: N images, C channels, H x W pixels; a convolution's weight is (out, in, k, k), a Dense
layer's (out, in), as in MindSpore. Every function keeps its inputs' dtype: float32 to compare
with MindSpore, float64 for the finite-difference check.
"""
import numpy as np

# Whether ReLU follows fc1 and fc2 (the course form is linear after the convolutions); the
# conv biases need no flag: the course form has none, and a missing bias is simply left out.
DENSE_RELU = {"classic": True, "course": False}

# (name, kernel, stride) of the layers that see a window of the image; fc1 reads the whole
# 5x5 map at once, which makes it a 5x5 convolution.
WINDOWS = [("conv1", 5, 1), ("pool1", 2, 2), ("conv2", 5, 1), ("pool2", 2, 2), ("fc1", 5, 1)]


# ---------------------------------------------------------------- sizes and receptive fields

def output_size(size, kernel, stride=1, padding=0):
    """Output length of a convolution or pooling along one axis: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def receptive_fields(layers=WINDOWS):
    """[(name, field, jump)]: each layer's output pixel sees ``field`` x ``field`` input pixels,
    and neighbouring output pixels are ``jump`` input pixels apart. For LeNet5: 5, 6, 14, 16, 32."""
    field, jump, out = 1, 1, []
    for name, kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
        out.append((name, field, jump))
    return out


# ---------------------------------------------------------------------------- convolution

def _pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if padding else x


def conv2d_loops(x, w, b=None, stride=1, padding=0):
    """Convolution as the definition says: every filter at every position, one window at a time.
    x (N, C, H, W), w (F, C, k, k), b (F,) or None -> (N, F, OH, OW). Clear and slow."""
    x = _pad(x, padding)
    n, f, k = x.shape[0], w.shape[0], w.shape[2]
    oh, ow = output_size(x.shape[2], k, stride), output_size(x.shape[3], k, stride)
    out = np.zeros((n, f, oh, ow), dtype=x.dtype)
    for i in range(n):
        for o in range(f):
            for r in range(oh):
                for c in range(ow):
                    window = x[i, :, r * stride:r * stride + k, c * stride:c * stride + k]
                    out[i, o, r, c] = np.sum(window * w[o])
    return out if b is None else out + b[None, :, None, None]


def conv2d_loops_backward(dout, x, w, stride=1, padding=0):
    """The loops run backwards: each output pixel sends its gradient to the window it read
    (dx) and to the filter that read it (dw). dout (N, F, OH, OW) -> dx (N, C, H, W),
    dw (F, C, k, k), db (F,)."""
    xp = _pad(x, padding)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    k = w.shape[2]
    n, f, oh, ow = dout.shape
    for i in range(n):
        for o in range(f):
            for r in range(oh):
                for c in range(ow):
                    window = (i, slice(None), slice(r * stride, r * stride + k),
                              slice(c * stride, c * stride + k))
                    dw[o] += dout[i, o, r, c] * xp[window]
                    dxp[window] += dout[i, o, r, c] * w[o]
    dx = dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def im2col(x, k, stride=1, padding=0):
    """Every k x k window of x (N, C, H, W) as one row: (N * OH * OW, C * k * k), rows in the
    order (image, output row, output column), columns in the order of a filter's weights."""
    x = _pad(x, padding)
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]  # (N, C, OH, OW, k, k)
    n, c, oh, ow = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)


def col2im(cols, x_shape, k, stride=1, padding=0):
    """im2col's adjoint: adds each row back onto the window it came from (overlapping windows
    add up). cols (N * OH * OW, C * k * k) -> (N, C, H, W)."""
    n, c, h, w = x_shape
    hp, wp = h + 2 * padding, w + 2 * padding
    oh, ow = output_size(hp, k, stride), output_size(wp, k, stride)
    cols = cols.reshape(n, oh, ow, c, k, k).transpose(0, 3, 4, 5, 1, 2)  # (N, C, k, k, OH, OW)
    out = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    for di in range(k):  # k * k shifted copies instead of N * OH * OW windows
        for dj in range(k):
            out[:, :, di:di + stride * oh:stride, dj:dj + stride * ow:stride] += cols[:, :, di, dj]
    return out[:, :, padding:padding + h, padding:padding + w]


def conv2d(x, w, b=None, stride=1, padding=0):
    """The same convolution as :func:`conv2d_loops`, as one matrix product: windows (im2col)
    times filters. x (N, C, H, W), w (F, C, k, k), b (F,) or None -> (N, F, OH, OW)."""
    n, f, k = x.shape[0], w.shape[0], w.shape[2]
    oh = output_size(x.shape[2], k, stride, padding)
    ow = output_size(x.shape[3], k, stride, padding)
    out = im2col(x, k, stride, padding) @ w.reshape(f, -1).T  # (N * OH * OW, F)
    if b is not None:
        out = out + b
    return out.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of :func:`conv2d`: dout (N, F, OH, OW) -> dx (N, C, H, W), dw (F, C, k, k),
    db (F,). Two matrix products: dw = dout^T windows, dwindows = dout filters."""
    f, k = w.shape[0], w.shape[2]
    d = dout.transpose(0, 2, 3, 1).reshape(-1, f)  # (N * OH * OW, F), rows as im2col's
    dw = (d.T @ im2col(x, k, stride, padding)).reshape(w.shape)
    dx = col2im(d @ w.reshape(f, -1), x.shape, k, stride, padding)
    return dx, dw, d.sum(axis=0)


# ------------------------------------------------------------------ the other layers and loss

def relu(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    """The gradient passes where the input was positive (at 0 it stops, as in MindSpore)."""
    return dout * (x > 0)


def _windows2x2(x):
    """(N, C, H, W) -> (N, C, H/2, W/2, 4): the four pixels of each 2x2 window, row by row."""
    n, c, h, w = x.shape
    if h % 2 or w % 2:
        raise ValueError(f"2x2 max-pooling needs an even height and width, got {h}x{w}")
    return x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(
        n, c, h // 2, w // 2, 4)


def maxpool2x2(x):
    """2x2 max-pooling with stride 2: (N, C, H, W) -> (N, C, H/2, W/2)."""
    return _windows2x2(x).max(axis=-1)


def maxpool2x2_backward(dout, x):
    """Each window's gradient goes to its largest pixel (the first, on a tie); the other three
    get 0. dout (N, C, H/2, W/2) -> dx (N, C, H, W)."""
    windows = _windows2x2(x)
    winner = np.eye(4, dtype=dout.dtype)[windows.argmax(axis=-1)]  # (N, C, H/2, W/2, 4) one-hot
    n, c, h2, w2 = dout.shape
    dx = (winner * dout[..., None]).reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return dx.reshape(x.shape)


def flatten(x):
    """(N, C, H, W) -> (N, C * H * W), in MindSpore's order (channel, row, column)."""
    return x.reshape(x.shape[0], -1)


def dense(x, w, b):
    """x (N, in) @ w (out, in)^T + b (out,) -> (N, out)."""
    return x @ w.T + b


def dense_backward(dout, x, w):
    """dout (N, out) -> dx (N, in), dw (out, in), db (out,)."""
    return dout @ w, dout.T @ x, dout.sum(axis=0)


def softmax(z):
    """Probabilities (N, classes) from logits, stable: exp(z - max) / sum."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, labels):
    """The course's loss (``SoftmaxCrossEntropyWithLogits(sparse=True, reduction='mean')``):
    -log p[label], averaged over the batch. logits (N, classes), labels (N,) integers."""
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels].mean()


def cross_entropy_backward(logits, labels):
    """d loss / d logits = (p - onehot(label)) / N."""
    p = softmax(logits)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)


# ------------------------------------------------------------------------------ the network

def param_shapes(variant="classic", num_classes=10, num_channel=1):
    """{name: shape} of LeNet5's parameters, as MindSpore names them."""
    shapes = {"conv1.weight": (6, num_channel, 5, 5), "conv1.bias": (6,),
              "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
              "fc1.weight": (120, 400), "fc1.bias": (120,), "fc2.weight": (84, 120),
              "fc2.bias": (84,), "fc3.weight": (num_classes, 84), "fc3.bias": (num_classes,)}
    if _check(variant) == "course":
        del shapes["conv1.bias"], shapes["conv2.bias"]
    return shapes


def init_params(variant="classic", scheme="xavier", sigma=0.01, seed=0, num_classes=10,
                dtype=np.float32):
    """Fresh parameters, biases 0. ``scheme``: "xavier" (Glorot uniform, as the course's classic form:
    U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), which keeps the activations' scale from
    layer to layer) or "normal" (N(0, sigma^2); with sigma 0.01, MindSpore's default up to 2.0,
    the original course's 0.5-1.x included; since 2.1 it is PyTorch's, U(+-1 / sqrt(fan_in)))."""
    if scheme not in ("xavier", "normal"):
        raise ValueError(f"scheme must be 'xavier' or 'normal', got {scheme!r}")
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in param_shapes(variant, num_classes).items():
        if name.endswith("bias"):
            params[name] = np.zeros(shape, dtype)
            continue
        receptive = int(np.prod(shape[2:]))  # k * k for a convolution, 1 for a Dense layer
        fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        if scheme == "xavier":
            bound = np.sqrt(6 / (fan_in + fan_out))
            params[name] = rng.uniform(-bound, bound, shape).astype(dtype)
        else:
            params[name] = rng.normal(0, sigma, shape).astype(dtype)
    return params


def params_of(net, dtype=np.float32):
    """A MindSpore network's trainable parameters as NumPy arrays, by name."""
    return {p.name: p.asnumpy().astype(dtype) for p in net.trainable_params()}


def _check(variant):
    if variant not in DENSE_RELU:
        raise ValueError(f"variant must be one of {tuple(DENSE_RELU)}, got {variant!r}")
    return variant


def forward_pass(params, x, variant="classic"):
    """LeNet5 on x (N, C, 32, 32): (logits (N, classes), cache). ``cache`` holds every layer's
    output by name (conv1, relu1, pool1, ..., fc3), the input and the parameters: what
    :func:`backward_pass` needs, and what a notebook plots."""
    p, dense_relu = params, DENSE_RELU[_check(variant)]
    a = {"x": x, "params": params, "variant": variant}
    a["conv1"] = conv2d(x, p["conv1.weight"], p.get("conv1.bias"))  # (N, 6, 28, 28)
    a["relu1"] = relu(a["conv1"])
    a["pool1"] = maxpool2x2(a["relu1"])                               # (N, 6, 14, 14)
    a["conv2"] = conv2d(a["pool1"], p["conv2.weight"], p.get("conv2.bias"))  # (N, 16, 10, 10)
    a["relu2"] = relu(a["conv2"])
    a["pool2"] = maxpool2x2(a["relu2"])                               # (N, 16, 5, 5)
    a["flat"] = flatten(a["pool2"])                                   # (N, 400)
    h = a["fc1"] = dense(a["flat"], p["fc1.weight"], p["fc1.bias"])   # (N, 120)
    if dense_relu:
        h = a["relu3"] = relu(h)
    h = a["fc2"] = dense(h, p["fc2.weight"], p["fc2.bias"])           # (N, 84)
    if dense_relu:
        h = a["relu4"] = relu(h)
    a["fc3"] = dense(h, p["fc3.weight"], p["fc3.bias"])               # (N, classes)
    return a["fc3"], a


def backward_pass(cache, labels):
    """The gradient of the mean cross-entropy with respect to every parameter: {name: array of
    the parameter's shape}. Runs :func:`forward_pass`'s layers in reverse, each with its own
    rule."""
    a, p, g = cache, cache["params"], {}
    dense_relu = DENSE_RELU[cache["variant"]]
    d = cross_entropy_backward(a["fc3"], labels)                      # (N, classes)
    d, g["fc3.weight"], g["fc3.bias"] = dense_backward(
        d, a["relu4"] if dense_relu else a["fc2"], p["fc3.weight"])
    if dense_relu:
        d = relu_backward(d, a["fc2"])
    d, g["fc2.weight"], g["fc2.bias"] = dense_backward(
        d, a["relu3"] if dense_relu else a["fc1"], p["fc2.weight"])
    if dense_relu:
        d = relu_backward(d, a["fc1"])
    d, g["fc1.weight"], g["fc1.bias"] = dense_backward(d, a["flat"], p["fc1.weight"])
    d = d.reshape(a["pool2"].shape)                                   # un-flatten
    d = relu_backward(maxpool2x2_backward(d, a["relu2"]), a["conv2"])
    d, g["conv2.weight"], db2 = conv2d_backward(d, a["pool1"], p["conv2.weight"])
    d = relu_backward(maxpool2x2_backward(d, a["relu1"]), a["conv1"])
    _, g["conv1.weight"], db1 = conv2d_backward(d, a["x"], p["conv1.weight"])
    if "conv1.bias" in p:
        g["conv1.bias"], g["conv2.bias"] = db1, db2
    return g


def loss_and_grads(params, x, labels, variant="classic"):
    """(mean loss, {name: gradient}): what ``mindspore.value_and_grad`` gives for LeNet5."""
    logits, cache = forward_pass(params, x, variant)
    return cross_entropy(logits, labels), backward_pass(cache, labels)


# ------------------------------------------------------------- the finite-difference check

def numerical_gradient(f, array, index, eps=1e-5):
    """(f(a + eps) - f(a - eps)) / 2 eps, changing only ``array[index]`` (in place, restored).

    Use float64. A smaller eps loses digits to rounding (f's 16 digits, divided by eps); a
    larger one may step over a kink, where a ReLU or a max-pool changes its mind (on LeNet5, 1e-3
    already does)."""
    old = array[index]
    array[index] = old + eps
    up = f()
    array[index] = old - eps
    down = f()
    array[index] = old
    return (up - down) / (2 * eps)


def gradient_check(params, x, labels, variant="classic", per_param=5, eps=1e-5, seed=0):
    """Compares :func:`backward_pass` with :func:`numerical_gradient` on ``per_param`` random
    entries of each parameter, in float64: {name: |a - n| / (|a| + |n|)}, the relative error
    of the two vectors of sampled gradients a (analytic) and n (numerical). A correct backward
    pass gives 1e-6 or less (more where the gradients are small, as in a well-trained network:
    rounding weighs more); a wrong one 1e-2 or more."""
    params = {name: value.astype(np.float64) for name, value in params.items()}
    x = np.asarray(x, dtype=np.float64)
    _, grads = loss_and_grads(params, x, labels, variant)

    def loss():
        return cross_entropy(forward_pass(params, x, variant)[0], labels)

    rng = np.random.default_rng(seed)
    errors = {}
    for name, value in params.items():
        picks = rng.choice(value.size, min(per_param, value.size), replace=False)
        indices = [np.unravel_index(i, value.shape) for i in picks]
        analytic = np.array([grads[name][i] for i in indices])
        numeric = np.array([numerical_gradient(loss, value, i, eps) for i in indices])
        scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
        errors[name] = float(np.linalg.norm(analytic - numeric) / max(scale, 1e-12))
    return errors
