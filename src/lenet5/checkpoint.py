"""Saving and loading LeNet5 weights with clear errors and no half-written files."""
import os

from .errors import CheckpointError
from .files import atomic_path


def save(net, path):
    """Save ``net``'s parameters to ``path`` atomically."""
    import mindspore as ms
    with atomic_path(path) as tmp:
        # MindSpore insists on the .ckpt suffix; atomic_path's name ends in .part.
        ms.save_checkpoint(net, tmp + ".ckpt")
        os.replace(tmp + ".ckpt", tmp)


def load(path, net):
    """Load ``path`` into ``net``, insisting that every parameter matches by name and shape."""
    import mindspore as ms
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist")
    try:
        params = ms.load_checkpoint(path)
    except Exception as e:  # MindSpore raises ValueError/RuntimeError with C++ detail
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(f"checkpoint {path!r} is not a readable MindSpore checkpoint "
                              f"({first[:160]})") from None
    params = {k: v for k, v in params.items() if not k.startswith(("moments.", "learning_rate",
                                                                    "global_step", "momentum"))}
    expected = {p.name: tuple(p.shape) for p in net.get_parameters()}
    found = {k: tuple(v.shape) for k, v in params.items()}
    missing = sorted(set(expected) - set(found))
    mismatched = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    if missing or mismatched or not expected.keys() >= found.keys():
        detail = (f"missing {', '.join(missing[:3])}" if missing else
                  f"{mismatched[0]} has shape {found[mismatched[0]]}, the network expects "
                  f"{expected[mismatched[0]]}" if mismatched else
                  f"unexpected {', '.join(sorted(set(found) - set(expected))[:3])}")
        raise CheckpointError(f"checkpoint {path!r} does not fit this network ({detail}); "
                              "was it saved from another architecture or --num_classes?")
    ms.load_param_into_net(net, params, strict_load=True)
    return net
