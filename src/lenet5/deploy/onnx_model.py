"""Running exported models without MindSpore's training stack, and measuring them.

``OnnxModel`` wraps an onnxruntime session: call it with a float32 batch of any size, get logits;
``.info`` is the record of the checkpoint it was exported from (classes, normalisation).
"""
import os
import statistics
import time

import numpy as np
import onnxruntime as ort

from ..checkpoint import KEY, CheckpointInfo
from ..errors import Lenet5Error, first_line


class OnnxModel:
    """An ONNX model in onnxruntime on the CPU.

    ``threads``: intra-op threads (1 for the single-core latency of a small device);
    ``None`` lets onnxruntime use every core.
    """

    def __init__(self, path, threads=None):
        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            raise Lenet5Error(f"ONNX model {self.path!r} does not exist")
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        try:
            self.session = ort.InferenceSession(self.path, options,
                                                providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own Fail/InvalidGraph/... types
            raise Lenet5Error(f"{self.path}: not a usable ONNX model ({first_line(e)})") from None
        first = self.session.get_inputs()[0]
        self.input_name, self.output_name = first.name, self.session.get_outputs()[0].name
        self.batch = first.shape[0] if isinstance(first.shape[0], int) else None
        self.input_size = tuple(first.shape[2:])
        record = self.session.get_modelmeta().custom_metadata_map.get(KEY)
        # The checkpoint's record, written by lenet5 export/quantize (None for other models).
        self.info = CheckpointInfo.from_entry(record, self.path) if record else None

    def run(self, images):
        """One call to onnxruntime: ``images`` must have the model's batch size."""
        return self.session.run([self.output_name], {self.input_name: images})[0]

    def __call__(self, images):
        """Logits (N, classes) for a float32 batch (N, 1, H, W) of any N."""
        images = np.ascontiguousarray(images, dtype=np.float32)
        if self.batch is None:
            return self.run(images)
        outputs = []
        for start in range(0, len(images), self.batch):
            chunk = images[start:start + self.batch]
            short = self.batch - len(chunk)
            if short:  # pad the last chunk to the model's fixed batch size
                chunk = np.concatenate([chunk, np.zeros((short, *chunk.shape[1:]), np.float32)])
            outputs.append(self.run(chunk)[:self.batch - short])
        return np.concatenate(outputs)

    def latency_us(self, runs=1000, warmup=100):
        """Median wall time of one inference call in microseconds, after ``warmup`` calls.
        The input is random: the values do not change the work a CPU does here."""
        shape = [self.batch or 1, 1, *self.input_size]
        images = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        feed = {self.input_name: images}
        for _ in range(warmup):
            self.session.run([self.output_name], feed)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            self.session.run([self.output_name], feed)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e6


def accuracy(classify, images, labels, batch=500):
    """Fraction of ``images`` whose likeliest class (``classify`` returns logits) is the label."""
    predictions = np.concatenate([np.asarray(classify(images[i:i + batch])).argmax(axis=1)
                                  for i in range(0, len(images), batch)])
    return float((predictions == labels).mean()), predictions
