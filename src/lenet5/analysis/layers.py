"""Looking inside a network: every layer's output, a shape/parameter table, feature maps.

MindSpore's forward hooks only fire in PyNative mode, so :func:`trace` switches to it for one
forward pass and then restores the mode the caller had (GRAPH by default).
"""
from dataclasses import dataclass

import mindspore as ms
import numpy as np

from .tables import markdown_table


@dataclass
class Step:
    """One layer call in a forward pass (a shared cell such as ``relu`` appears once per call)."""
    name: str
    kind: str
    output: np.ndarray
    parameters: int  # counted at the layer's first call only, so the column sums to the total
    macs: int  # multiply-accumulates for the whole batch


def _macs(cell, output_shape):
    """Multiply-accumulates of a Conv2d or Dense call; 0 for layers without weights."""
    weight = getattr(cell, "weight", None)
    if weight is None:
        return 0
    per_output = int(np.prod(weight.shape[1:]))  # Conv2d: in/groups*kh*kw; Dense: in
    return int(np.prod(output_shape)) * per_output


def trace(net, images):
    """Run ``images`` (a float32 batch) through ``net``; return its layer calls in order."""
    names = {id(cell): name for name, cell in net.cells_and_names() if name}
    leaves = [cell for name, cell in net.cells_and_names() if name and not cell.name_cells()]
    steps, seen = [], set()

    def record(cell, inputs, output):
        first = id(cell) not in seen
        seen.add(id(cell))
        params = sum(int(p.size) for p in cell.trainable_params()) if first else 0
        out = output.asnumpy()
        steps.append(Step(names[id(cell)], type(cell).__name__, out, params,
                          _macs(cell, out.shape)))

    mode = ms.get_context("mode")
    ms.set_context(mode=ms.PYNATIVE_MODE)
    handles = [cell.register_forward_hook(record) for cell in leaves]
    try:
        net(ms.Tensor(np.asarray(images, dtype=np.float32)))
    finally:
        for handle in handles:
            handle.remove()
        ms.set_context(mode=mode)
    return steps


@dataclass
class LayerRow:
    name: str
    kind: str
    output_shape: tuple
    parameters: int
    macs: int


def layer_table(net, input_shape=(1, 1, 32, 32)):
    """One row per layer call for a batch of ``input_shape``: the first row is the input.

    For LeNet5 the parameters sum to 61,706; ``macs`` counts multiply-accumulates.
    """
    steps = trace(net, np.zeros(input_shape, np.float32))
    rows = [LayerRow("input", "", tuple(input_shape), 0, 0)]
    rows += [LayerRow(s.name, s.kind, tuple(s.output.shape), s.parameters, s.macs)
             for s in steps]
    return rows


def format_table(rows):
    """The rows of :func:`layer_table` as a table with a total line."""
    lines = [(r.name, r.kind, str(r.output_shape), f"{r.parameters:,}", f"{r.macs:,}")
             for r in rows]
    lines.append(("total", "", "", f"{sum(r.parameters for r in rows):,}",
                  f"{sum(r.macs for r in rows):,}"))
    return markdown_table(("layer", "type", "output shape", "parameters", "MACs"), lines,
                          ["l", "l", "l", "r", "r"])


def layer_outputs(net, images, kinds=("Conv2d", "MaxPool2d", "AvgPool2d")):
    """``{layer: outputs (N, C, H, W)}`` of a preprocessed batch (N, 1, 32, 32), one forward pass.

    Keeps the calls of layers of the given ``kinds``. A cell called more than once gets its
    call number: LeNet5 gives ``conv1``, ``pool1``, ``conv2``, ``pool2``. Convolution outputs
    are taken before their ReLU.
    """
    steps = trace(net, images)
    total = {}
    for step in steps:
        total[step.name] = total.get(step.name, 0) + 1
    outputs, calls = {}, {}
    for step in steps:
        calls[step.name] = calls.get(step.name, 0) + 1
        if step.kind in kinds:
            key = step.name if total[step.name] == 1 else f"{step.name}{calls[step.name]}"
            outputs[key] = step.output
    return outputs


def feature_maps(net, image, kinds=("Conv2d", "MaxPool2d", "AvgPool2d")):
    """:func:`layer_outputs` of one preprocessed image (1, 32, 32): ``{layer: (C, H, W)}``."""
    image = np.asarray(image, np.float32)
    return {k: v[0] for k, v in layer_outputs(net, image[None], kinds).items()}
