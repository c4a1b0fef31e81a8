"""A network's outputs on many images at once: the path that evaluate, predict and the analysis
tools share.

Evaluation is a forward pass over every image, and on a CPU most of its time used to go
elsewhere: the input pipeline decoded, resized and normalised every test image again on every
evaluation, and ``Model.eval`` paid a graph launch, a metrics update and a host copy per batch
of 32 (docs/CPU_SPEED.md, "Evaluation"). Here

- :func:`dataset_arrays` runs a dataset's pipeline once and keeps the result on the dataset
  when the pipeline is deterministic (no shuffle, no augmentation: what
  :func:`lenet5.create_dataset` gives for "val" and "test"), so that a second evaluation of the
  same dataset -- every epoch of lesson 5's curves -- starts from the arrays;
- :func:`logits` runs the network in large chunks whatever the dataset's batch size
  (:func:`chunk_size`), the last one padded. A network's output for one image does not depend
  on the other images of its batch, and accuracy and the mean loss per image do not depend on
  how the images are grouped (up to float32 rounding, which a chunk's shape can change in the
  last bits).
"""
import mindspore as ms
import numpy as np

from .model import inference_cell
from .platform import threads

CHUNK = 2048  # the most images per forward pass (bench/eval_profile.py: larger gain little)
PROBE_CHUNKS = 40  # chunks enough for a thread-layout probe to pay for itself
_CACHE = "_lenet5_arrays"  # where dataset_arrays keeps a deterministic dataset's arrays
FIXED = "_lenet5_fixed"  # set by create_dataset: True when every pass gives the same images


def dataset_arrays(dataset):
    """``(images, labels)`` of every batch of ``dataset``, concatenated (NumPy).

    A dataset that :func:`lenet5.create_dataset` marked deterministic is read once: the arrays
    are kept on it and later calls return them. Any other dataset is read again each time."""
    cached = getattr(dataset, _CACHE, None)
    if cached is not None:
        return cached
    images, labels = [], []
    for image, label in dataset.create_tuple_iterator(num_epochs=1, output_numpy=True):
        images.append(image)
        labels.append(label)
    if not images:
        raise ValueError("the dataset has no images")
    arrays = np.concatenate(images), np.concatenate(labels)
    if getattr(dataset, FIXED, False):
        setattr(dataset, _CACHE, arrays)
    return arrays


def chunk_size(count, chunk=CHUNK):
    """The batch a forward pass over ``count`` images runs at.

    Up to 256 images: the power of two that holds them, so that a few compiled shapes serve
    every small count. More: the count split into equal chunks of at most ``chunk``, rounded up
    to a multiple of 16, so that little is padded (10,000 test images: five chunks of 2,000)."""
    count = int(count)
    if count <= 256:
        return min(chunk, 1 << max(0, count - 1).bit_length())
    chunks = -(-count // chunk)
    per_chunk = -(-count // chunks)
    return min(chunk, (per_chunk + 15) // 16 * 16)


def logits(net, images, chunk=CHUNK):
    """``net``'s outputs (float32 NumPy, one row per image) for ``images`` (N, C, H, W), run in
    inference mode in chunks of :func:`chunk_size`, the last one padded with zeros. The network's
    training mode is restored afterwards. ``net``: a Cell, or any callable from a Tensor to a
    Tensor."""
    images = np.ascontiguousarray(images, dtype=np.float32)
    count = len(images)
    size = chunk_size(count, chunk)
    cell = inference_cell(net)  # for LeNet5: the same outputs, a little faster
    was_training = getattr(net, "training", None)  # None: any callable, not a Cell
    if was_training is not None:
        cell.set_train(False)
    # GRAPH mode on CPU, MindSpore's threads (threads.LayoutTuner): on the layout forced or chosen
    # moments ago by a tuner of this process; else measured here when there are chunks enough to
    # probe the layouts (a probe spends four on each, one-core layouts included), and otherwise
    # left where they are.
    layout = threads.evaluation_layout()
    placement = threads.ThreadPlacement() if layout is not None else None
    if placement is not None:
        placement.apply(layout)
    tuner = None
    if layout is None and -(-count // size) >= PROBE_CHUNKS:
        tuner = threads.tuner_for(f"eval {size}", probe_steps=3)
    outputs = []
    try:
        for start in range(0, count, size):
            part = images[start:start + size]
            if len(part) < size:
                part = np.concatenate([part, np.zeros((size - len(part), *part.shape[1:]),
                                                      np.float32)])
            outputs.append(cell(ms.Tensor(part)).asnumpy()[:count - start])
            if tuner:
                tuner.on_eval_step_end(None)
    finally:
        if tuner:
            tuner.restore()
        if placement is not None:
            placement.restore()
        if was_training is not None:
            net.set_train(was_training)
    return np.concatenate(outputs) if outputs else np.zeros((0, 0), np.float32)
