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
import argparse
import dataclasses
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
import lenet5  # noqa: E402  (sets CPU performance defaults before MindSpore starts)
from lenet5 import data, device, distributed, doctor, modelarts  # noqa: E402
from lenet5.cli import HelpFormatter  # noqa: E402
from lenet5.data import catalog, manifest  # noqa: E402
from lenet5.data.download import default_mirrors, prepare  # noqa: E402
from lenet5.errors import Lenet5Error, exit_code  # noqa: E402
from lenet5.files import write_json  # noqa: E402
from lenet5.recipes import RECIPES  # noqa: E402
from lenet5.threads import LAYOUTS  # noqa: E402


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not the whole usage text
        raise Lenet5Error(message)


def parse_args(argv=None):
    p = Parser(description="Train and evaluate LeNet5 on MNIST with MindSpore.",
               formatter_class=HelpFormatter)
    p.add_argument("--dataset", default="mnist", choices=list(catalog.DATASETS),
                   help="mnist: handwritten digits; fashion: Fashion-MNIST; emnist-digits, "
                   "emnist-letters, emnist-36 (digits and capitals): EMNIST")
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
    p.add_argument("--recipe", default="course", choices=sorted(RECIPES), help="course: the "
                   "original experiment; accurate: augmentation, cosine schedule, weight decay, "
                   "40 epochs of 64")
    for name, kind, what in (("epochs", int, "passes over the training set"),
                             ("batch_size", int, "images per step"),
                             ("lr", float, "learning rate"), ("momentum", float, "Momentum")):
        p.add_argument(f"--{name}", type=kind, default=None, help=f"{what} (default: the recipe's;"
                       f" course: {getattr(RECIPES['course'], name)})")
    p.add_argument("--seed", type=int, default=1, help="random seed: same seed, same loss curve")
    p.add_argument("--num_classes", type=int, default=None,
                   help="network outputs (default: the dataset's number of classes)")
    p.add_argument("--variant", default="classic", choices=("classic", "course"),
                   help="classic: ReLU between the Dense layers; course: none, as the original")
    p.add_argument("--ckpt", default=None, help="checkpoint to start from (or to evaluate)")
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


def check_args(args):
    recipe = RECIPES[args.recipe].with_overrides(epochs=args.epochs, batch_size=args.batch_size,
                                                 lr=args.lr, momentum=args.momentum)
    if recipe.epochs < 1:
        raise Lenet5Error(f"--epochs must be at least 1, got {recipe.epochs}")
    if recipe.batch_size < 1:
        raise Lenet5Error(f"--batch_size must be at least 1, got {recipe.batch_size}")
    if not recipe.lr > 0:
        raise Lenet5Error(f"--lr must be positive, got {recipe.lr}")
    if not 0 <= recipe.momentum < 1:
        raise Lenet5Error(f"--momentum must be in [0, 1), got {recipe.momentum}")
    if args.num_classes is not None and args.num_classes < 2:
        raise Lenet5Error(f"--num_classes must be at least 2, got {args.num_classes}")
    if args.eval_only and not args.ckpt:
        raise Lenet5Error("--eval_only needs --ckpt FILE (a checkpoint to evaluate)")
    return recipe


def prepare_data(name, data_url, download, splits):
    """The dataset entry for ``name`` and the local folder that holds it: ``data_url`` itself
    (its default when None), downloaded with ``download``, or copied from a system package
    (Debian's dataset-fashion-mnist) into the default folder when that needs no network."""
    dataset = catalog.get(name)
    defaulted = data_url is None
    if defaulted:
        full = dataset.name != "mnist" or download
        data_url = f"data/{dataset.name}/" if full else "MNIST/"
    if download:
        prepare(dataset, data_url)
    elif not all(has_split(data_url, training) for training in splits):
        local = [m for m in default_mirrors(dataset) if m.startswith("file:")]
        if defaulted and local:
            print(f"copying {dataset.title} from {local[0]} into {data_url}", flush=True)
            prepare(dataset, data_url, mirrors=local)
        elif defaulted:
            raise Lenet5Error(
                f"no {dataset.title} in {data_url}: add --download to get it (or run "
                f"python -m lenet5.data download --dataset {dataset.name} --dest {data_url})")
        # else: the pipeline names what is missing in the folder the user gave
    manifest.check_dataset(dataset.name, data_url)
    return dataset, data_url


def has_split(data_url, training):
    try:
        data.find_split(data_url, training)
    except Lenet5Error:
        return False
    return True


def run(args):
    if args.check:
        doctor.report(args.device_target, args.thread_layout)
        return None
    recipe = check_args(args)
    for url in (args.data_url, args.train_url):  # before training, not after it
        modelarts.check_url(url)
    splits = [False] if args.eval_only else [True, False]  # training? (eval needs test only)
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
    # msrun also runs this script as its scheduler, which stays inside init(): join before work.
    rank, size = distributed.init() if args.distribute else (0, 1)
    data_url = modelarts.fetch_data(args.data_url) if args.data_url else None
    dataset, data_url = prepare_data(args.dataset, data_url, args.download, splits)
    num_classes = args.num_classes or dataset.num_classes
    for training in splits:
        data.check_labels(data_url, training, num_classes)
    mean, std = manifest.normalisation(dataset.name, data_url)
    scale = {"rescale": 1 / (255 * std), "shift": -mean / std}  # (p / 255 - mean) / std
    net = lenet5.LeNet5(num_classes, variant=args.variant)
    if args.ckpt:
        lenet5.load_checkpoint(args.ckpt, net)
    test_set = lenet5.create_dataset(data_url, training=False, batch_size=recipe.batch_size,
                                     **scale)
    metrics = {"device_target": target, "mode": args.mode, "data_url": args.data_url or data_url,
               "dataset": dataset.name, "classes": list(dataset.classes),
               "normalisation": {"mean": mean, "std": std},
               "recipe": recipe.name, "hyperparameters": recipe.as_dict(), "seed": args.seed,
               "variant": args.variant, "num_classes": num_classes,
               "device_settings": settings.as_dict(), "workers": size,
               "thread_layout": args.thread_layout,
               "num_test": data.locate_split(data_url, False)[2]}
    if not args.eval_only:
        shard = {"num_shards": size, "shard_id": rank} if size > 1 else {}
        train_set = lenet5.create_dataset(data_url, training=True, batch_size=recipe.batch_size,
                                          augment=recipe.augment, **scale, **shard)
        worker = f"worker {rank}/{size}: shard {rank} of the training set, " if size > 1 else ""
        print(f"training LeNet5 ({args.variant}) on {target}, {dataset.title}, recipe "
              f"{recipe.name}: {worker}{recipe.epochs} epochs x {train_set.get_dataset_size()} "
              f"steps of {recipe.batch_size} images", flush=True)
        result = lenet5.train(net, train_set, epochs=recipe.epochs, lr=recipe.lr,
                              momentum=recipe.momentum, weight_decay=recipe.weight_decay,
                              schedule=recipe.schedule, warmup_epochs=recipe.warmup_epochs,
                              display=None if args.progress == "none" else args.progress,
                              sink=settings.sink, amp_level=settings.amp_level)
        metrics.update(epochs=recipe.epochs, num_train=data.locate_split(data_url, True)[2],
                       train_seconds=round(result.seconds, 3),
                       train_images_per_second=round(result.images_per_second * size, 1),
                       epoch_losses=result.epoch_losses, train_loss=result.epoch_losses[-1])
    if size > 1:  # equal on every worker: the replicas stayed in step
        print(f"worker {rank}/{size}: weights checksum {distributed.weights_checksum(net)}",
              flush=True)
    if rank != 0:  # worker 0 evaluates and writes the results for the whole job
        return None
    start = time.perf_counter()
    scores = lenet5.evaluate(net, test_set)
    metrics.update(scores, eval_seconds=round(time.perf_counter() - start, 3))
    out = modelarts.local_folder("train") if modelarts.is_remote(args.train_url) else args.train_url
    os.makedirs(out, exist_ok=True)
    if not args.eval_only:
        lenet5.save_checkpoint(net, os.path.join(out, "lenet5.ckpt"))
    else:
        metrics.update(ckpt=args.ckpt, epochs=0, num_train=0)
    write_json(os.path.join(out, "metrics.json"), metrics)
    if out != args.train_url:
        modelarts.copy(out, args.train_url)
    print(f"test accuracy: {scores['accuracy']:.2%} on {metrics['num_test']} images "
          f"(loss {scores['loss']:.4f}); results in {args.train_url}", flush=True)
    return metrics


def main(argv=None):
    return exit_code(lambda: run(parse_args(argv)), "interrupted: nothing was saved")


if __name__ == "__main__":
    sys.exit(main())
