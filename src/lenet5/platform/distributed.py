"""Data-parallel training on MindSpore's own engine (``msrun``): one code for CPU, GPU, Ascend.

Every worker runs the whole script with the same seed; each trains on its own shard of the data
(``create_dataset(num_shards=size, shard_id=rank)``) and DATA_PARALLEL averages the gradients
of all workers after every step, so all replicas keep identical weights. See
docs/DEVICES_AND_DISTRIBUTED.md ("Training on several processes or machines") for the
launch commands.
"""
import hashlib
import os

import mindspore as ms
from mindspore import communication

from ..errors import DeviceError, first_line

LAUNCH_HINT = ("start it with MindSpore's launcher, e.g. `msrun --worker_num=2 "
               "--local_worker_num=2 --bind_core=True main.py --distribute`")


def launched():
    """Whether a distributed launcher started this process: msrun (dynamic cluster), an Ascend
    rank table, or mpirun."""
    return any(name in os.environ for name in ("MS_ROLE", "RANK_TABLE_FILE",
                                                "OMPI_COMM_WORLD_RANK"))


def init():
    """Join the job and turn on data parallelism; return ``(rank, size)``.

    Call after :func:`lenet5.setup_device` and before building the network. msrun also runs the
    script in its scheduler process: ``init()`` serves the job there and never returns.
    """
    if not launched():
        raise DeviceError(f"--distribute needs one process per worker: {LAUNCH_HINT}")
    try:
        communication.init()
    except RuntimeError as e:  # MindSpore's message spans pages of C++ call stack
        raise DeviceError(f"could not join the distributed job ({first_line(e)}); "
                          f"{LAUNCH_HINT}") from None
    ms.reset_auto_parallel_context()
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)
    return communication.get_rank(), communication.get_group_size()


def weights_checksum(net):
    """A short digest of every parameter of ``net``: equal on all workers of a healthy job."""
    digest = hashlib.sha256()
    for param in sorted(net.get_parameters(), key=lambda p: p.name):
        digest.update(param.name.encode())
        digest.update(param.asnumpy().tobytes())
    return digest.hexdigest()[:16]
