"""Train and evaluate LeNet5 on MNIST with MindSpore: the course experiment from a terminal.

    python main.py --data_url=MNIST/ --device_target=CPU
    python main.py --recipe accurate
    python main.py --eval_only --ckpt outputs/lenet5.ckpt
    python main.py --download                      # the full MNIST, into data/mnist/
    python main.py --dataset fashion --recipe accurate
    python main.py --check                         # what works on this machine (lenet5 doctor)
    msrun --worker_num=2 --local_worker_num=2 main.py --distribute
    python main.py --data_url obs://bucket/MNIST/ --train_url obs://bucket/out/   # ModelArts
"""
import dataclasses
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
import lenet5  # noqa: E402  (sets CPU performance defaults before MindSpore starts)
from lenet5 import device  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402
from lenet5.cli import HelpFormatter, Parser  # noqa: E402
from lenet5.data import catalog  # noqa: E402
from lenet5.errors import Lenet5Error, exit_code  # noqa: E402
from lenet5.model import VARIANTS  # noqa: E402
from lenet5.platform import distributed, doctor, modelarts  # noqa: E402
from lenet5.platform.threads import LAYOUTS  # noqa: E402
from lenet5.recipes import DEFAULT_RECIPE, RECIPES  # noqa: E402


def parse_args(argv=None):
    p = Parser(prog="main.py", description="Train and evaluate LeNet5 on MNIST with MindSpore.",
               formatter_class=HelpFormatter)
    p.add_argument("--dataset", default=None, choices=list(catalog.DATASETS),
                   help="mnist: handwritten digits; fashion: Fashion-MNIST; emnist-digits, "
                   "emnist-letters, emnist-36 (digits and capitals): EMNIST (default: mnist, or "
                   "the dataset --ckpt was trained on)")
    p.add_argument("--data_url", default=None, help="data folder: train/ and test/, or the four "
                   "official files, plain or .gz; obs:// or s3:// on ModelArts (default: MNIST/, "
                   "the shipped sample, for mnist; data/DATASET/ for the other datasets and with "
                   "--download)")
    p.add_argument("--download", action="store_true", help="first download the dataset into "
                   "--data_url, checked against the published checksums (kept if already there)")
    p.add_argument("--train_url", default="outputs/", help="where lenet5.ckpt and metrics.json go "
                   "(a folder, or obs:// / s3:// on ModelArts)")
    p.add_argument("--device_target", default="auto", help="CPU, GPU, Ascend, or auto (the best "
                   "one usable here)")
    p.add_argument("--mode", default="graph", choices=device.MODES, help="MindSpore execution mode")
    p.add_argument("--recipe", default=None, choices=sorted(RECIPES), help="course: the "
                   "original experiment; accurate: augmentation, cosine schedule, weight decay, "
                   "40 epochs of 64; lenet1998: the one for --variant lenet1998 (default: "
                   "course, or lenet1998 with --variant lenet1998)")
    for name, kind, what in (("epochs", int, "passes over the training set"),
                             ("batch_size", int, "images per step"),
                             ("lr", float, "learning rate"), ("momentum", float, "Momentum")):
        p.add_argument(f"--{name}", type=kind, default=None, help=f"{what} (default: the recipe's;"
                       f" course: {getattr(RECIPES['course'], name)})")
    p.add_argument("--val_split", type=float, default=0.0, help="hold out this share of the "
                   "training images (always the same ones) as a validation split, e.g. 0.1: "
                   "train on the rest, report validation and test accuracy (0: none, as the "
                   "original course)")
    p.add_argument("--seed", type=int, default=1, help="random seed: same seed, same loss curve")
    p.add_argument("--num_classes", type=int, default=None,
                   help="network outputs (default: the dataset's number of classes, or --ckpt's)")
    p.add_argument("--variant", default=None, choices=VARIANTS,
                   help="classic: ReLU between the Dense layers; course: none, as the original; "
                   "lenet1998: LeCun et al.'s 1998 LeNet-5 (scaled tanh, trainable subsampling, "
                   "RBF outputs, digits padded to 32x32) (default: classic, or what --ckpt "
                   "records)")
    p.add_argument("--ckpt", default=None, help="checkpoint to start from (or to evaluate): it "
                   "records its variant, classes, dataset and normalisation")
    p.add_argument("--eval_only", action="store_true", help="only evaluate --ckpt on the test split")
    p.add_argument("--thread_layout", default="auto", choices=LAYOUTS,
                   help="where MindSpore's CPU threads run while training: auto measures and "
                   "follows other programs' load; split, pack or free force one (experiments)")
    p.add_argument("--progress", default="auto", choices=("auto", "bar", "log", "none"),
                   help="progress display: auto = a bar in a terminal, log lines otherwise")
    p.add_argument("--dataset_sink_mode", default="auto", choices=("auto", "on", "off"),
                   help="feed whole epochs through MindSpore's dataset sink (progress per epoch "
                   "only); auto: the device's choice, on for GPU and Ascend")
    p.add_argument("--amp_level", default="auto", choices=("auto",) + device.AMP_LEVELS,
                   help="mixed precision; auto: the device's choice, O2 on Ascend, O0 elsewhere")
    p.add_argument("--distribute", action="store_true", help="data-parallel training: one "
                   "process per worker, started by msrun (see README)")
    p.add_argument("--check", action="store_true", help="only report what works on this "
                   "machine (as `lenet5 doctor`) and exit")
    args, unknown = p.parse_known_args(argv)
    if unknown:  # ModelArts adds its own arguments; they must not stop a run
        print(f"note: ignoring unknown arguments: {' '.join(unknown)}", file=sys.stderr)
    return args


def run(args):
    """The course experiment: data, network, loss and optimizer, train, evaluate, save."""
    if args.check:
        doctor.report(args.device_target, args.thread_layout)
        return None
    name = args.recipe or DEFAULT_RECIPE[args.variant or "classic"]
    recipe = RECIPES[name].with_overrides(epochs=args.epochs, batch_size=args.batch_size,
                                          lr=args.lr, momentum=args.momentum)
    check_args(args)
    with modelarts.job(args.data_url, args.train_url) as job:  # OBS in and out on ModelArts
        target, settings = setup(args)
        # msrun also runs this script as its scheduler, which stays inside init().
        rank, size = distributed.init() if args.distribute else (0, 1)
        net, info, data = network_and_data(args, job.data_url, recipe)
        metrics = describe_run(args, target, settings, size, info, data, recipe)
        if not args.eval_only:
            shard = {"num_shards": size, "shard_id": rank} if size > 1 else {}
            train_set = data.create_dataset("train", recipe.batch_size, augment=recipe.augment,
                                            **shard)
            announce(info, target, data, recipe, train_set, rank, size)
            result = lenet5.train(net, train_set, recipe, display=args.progress,
                                  sink=settings.sink, amp_level=settings.amp_level)
            metrics.update(trained(result, size, data))
        if size > 1:  # equal on every worker: the replicas stayed in step
            print(f"worker {rank}/{size}: weights checksum {distributed.weights_checksum(net)}")
        if rank != 0:  # worker 0 evaluates and writes the results for the whole job
            return None
        metrics.update(evaluated(net, data, recipe.batch_size))
        if not args.eval_only:
            lenet5.save_checkpoint(net, os.path.join(job.out, "lenet5.ckpt"), info=info)
        write_json(os.path.join(job.out, "metrics.json"), metrics)
    if data.val_split:
        print(f"validation accuracy: {metrics['val_accuracy']:.2%} on {metrics['num_val']} "
              f"images (loss {metrics['val_loss']:.4f})")
    print(f"test accuracy: {metrics['accuracy']:.2%} on {metrics['num_test']} images "
          f"(loss {metrics['loss']:.4f}); results in {args.train_url}", flush=True)
    return metrics


def check_args(args):
    """The checks of flags that are not the recipe's (it checks its own)."""
    if args.num_classes is not None and args.num_classes < 2:
        raise Lenet5Error(f"--num_classes must be at least 2, got {args.num_classes}")
    if args.eval_only and not args.ckpt:
        raise Lenet5Error("--eval_only needs --ckpt FILE (a checkpoint to evaluate)")


def setup(args):
    """MindSpore on the device asked for; the model zoo's settings for it, with the flags'
    overrides (``device.device_settings``)."""
    target = lenet5.setup_device(args.device_target, args.mode, args.seed,
                                 layout=args.thread_layout)
    settings = device.device_settings(
        target, sink={"auto": None, "on": True, "off": False}[args.dataset_sink_mode],
        amp_level=None if args.amp_level == "auto" else args.amp_level)
    if settings.sink and (target == "CPU" or args.mode == "pynative"):
        # Model.train would quietly train step by step: say so, and record what really runs.
        print("note: MindSpore has no dataset sink on CPU or in PyNative mode: "
              "--dataset_sink_mode on has no effect here", file=sys.stderr)
        settings = dataclasses.replace(settings, sink=False)
    return target, settings


def network_and_data(args, data_url, recipe):
    """``(net, info, data)``: LeNet5 (fresh, or from --ckpt as its record says), the record its
    checkpoint will carry, and the dataset (default: --ckpt's), checked against the network's
    classes. Evaluating a checkpoint normalises the data as it was trained; a network that fixes
    its input (lenet1998: padded, background -0.1) always reads it so."""
    if args.ckpt:
        net, info = lenet5.open_checkpoint(args.ckpt, args.variant, args.num_classes)
    name = args.dataset or (info.dataset if args.ckpt else "mnist")
    splits = ("test",) if args.eval_only and not args.val_split else ("train", "test")
    data = lenet5.open_data(name, data_url, args.download, splits, args.val_split)
    if args.eval_only:
        data = data.as_read_by(info)
    if not args.ckpt:
        net = lenet5.LeNet5(args.num_classes or data.num_classes, variant=args.variant or "classic")
    info = lenet5.CheckpointInfo.describe(net, data, recipe)
    data = data.as_read_by(info)
    data.check_labels(info.num_classes, splits)
    return net, info, data


def describe_run(args, target, settings, workers, info, data, recipe):
    """What metrics.json records of the run before it starts."""
    return {"device_target": target, "mode": args.mode, "data_url": args.data_url or data.folder,
            "dataset": data.name, "classes": list(info.classes),
            "normalisation": {"mean": info.mean, "std": info.std}, "recipe": recipe.name,
            "hyperparameters": recipe.as_dict(), "seed": args.seed, "variant": info.variant,
            "num_classes": info.num_classes, "device_settings": settings.as_dict(),
            "workers": workers, "thread_layout": args.thread_layout,
            "num_test": data.size("test"), "ckpt": args.ckpt, "epochs": 0, "num_train": 0,
            **({"val_split": data.val_split, "num_val": data.size("val")}
               if data.val_split else {})}


def evaluated(net, data, batch_size):
    """What metrics.json records of the evaluation: the test split's accuracy and loss (and
    the validation split's, when one is held out)."""
    results = {}
    if data.val_split:
        val = lenet5.evaluate(net, data.create_dataset("val", batch_size))
        results.update(val_accuracy=val["accuracy"], val_loss=val["loss"])
    start = time.perf_counter()
    results.update(lenet5.evaluate(net, data.create_dataset("test", batch_size)))
    return {**results, "eval_seconds": round(time.perf_counter() - start, 3)}


def trained(result, workers, data):
    """What metrics.json records of the training."""
    return {"epochs": len(result.epoch_losses), "num_train": data.size("train"),
            "train_seconds": round(result.seconds, 3),
            "train_images_per_second": round(result.images_per_second * workers, 1),
            "epoch_losses": result.epoch_losses, "train_loss": result.epoch_losses[-1]}


def announce(info, target, data, recipe, train_set, rank, size):
    worker = f"worker {rank}/{size}: shard {rank} of the training set, " if size > 1 else ""
    print(f"training LeNet5 ({info.variant}) on {target}, {data.title}, recipe {recipe.name}: "
          f"{worker}{recipe.epochs} epochs x {train_set.get_dataset_size()} steps of "
          f"{recipe.batch_size} images", flush=True)


def main(argv=None):
    return exit_code(lambda: run(parse_args(argv)), "interrupted: nothing was saved")


if __name__ == "__main__":
    sys.exit(main())
