"""What a data folder holds: ``python -m lenet5.data info DIR``.

Per split: the number of examples, per-class counts (with class names when the dataset is
known), image size, pixel mean/std (of p / 255), and whether each file is the official one
(published checksum), the shipped sample, a conversion recorded in ``dataset.json``, or none
of these. Arrays come from the same loader (and IDX reader) as training.
"""
import os
import zlib

import numpy as np

from ..checksums import file_digest
from ..errors import DataError
from . import catalog, manifest
from .pipeline import SPLITS, find_split, load_arrays, pixel_stats


def _digests(path):
    """(md5, sha256) of the file, and the md5 of its content if it is gzip-compressed."""
    content = None
    if path.endswith(".gz"):
        try:
            content = file_digest(path, "md5", decompress=True)
        except (OSError, EOFError, zlib.error):
            pass
    return file_digest(path, "md5"), file_digest(path), content


def identify(path, recorded=None):
    """``(verdict, dataset name or None)`` for one data file.

    ``recorded``: {path: md5} from the folder's ``dataset.json``, if any.
    """
    md5, sha, content = _digests(path)
    if sha in catalog.SHIPPED_SAMPLE_SHA256:
        return "the shipped MNIST sample", "mnist"
    name = os.path.basename(path)
    for dataset in catalog.DATASETS.values():
        for published in dataset.files:
            if published.name.removesuffix(".gz") != name.removesuffix(".gz"):
                continue
            if md5 == published.md5:
                return f"official {dataset.name} (published MD5)", dataset.name
            if published.content_md5 in (md5, content):
                return (f"official {dataset.name} (published MD5 of the content; "
                        f"compressed differently or not at all)"), dataset.name
    if recorded and recorded.get(path) == md5:
        return "as converted from the official archive (MD5 in dataset.json)", None
    if recorded and path in recorded:
        return "changed since conversion (MD5 differs from dataset.json)", None
    return "neither official nor the shipped sample (no known checksum)", None


def inspect(data_dir):
    """A dict describing ``data_dir``: its dataset (if known) and, per split, what it holds."""
    data_dir = os.fspath(data_dir)
    if not os.path.isdir(data_dir):
        raise DataError(f"data folder {data_dir!r} does not exist")
    found = manifest.read(data_dir)
    recorded = {os.path.join(data_dir, p): md5 for p, md5 in found["files"].items()} \
        if found else None
    report = {"folder": data_dir, "dataset": found["dataset"] if found else None, "splits": {}}
    names, missing = set(), []
    for split in SPLITS:
        try:
            paths = find_split(data_dir, split)
        except DataError as e:
            missing.append(str(e))
            continue
        images, labels = load_arrays(data_dir, split)
        mean, std = pixel_stats(images)
        files = {}
        for path in paths:
            verdict, name = identify(path, recorded)
            files[os.path.relpath(path, data_dir)] = verdict
            names.add(name)
        report["splits"][split] = {
            "count": int(len(labels)), "image_size": list(images.shape[1:]),
            "pixel_mean": round(mean, 4), "pixel_std": round(std, 4),
            "class_counts": np.bincount(labels).tolist(), "files": files}
    if not report["splits"]:
        raise DataError(missing[0] if len(missing) == 1 else "; ".join(missing))
    if report["dataset"] is None and len(names) == 1 and None not in names:
        report["dataset"] = names.pop()
    classes = catalog.class_names(report["dataset"]) if report["dataset"] else None
    for split in report["splits"].values():
        counts = split["class_counts"]
        split["classes"] = {(classes[i] if classes and i < len(classes) else str(i)): n
                            for i, n in enumerate(counts)}
    report["missing"] = missing
    return report


def format_report(report):
    """The report as text for a terminal."""
    dataset = report["dataset"]
    title = catalog.get(dataset).title if dataset else "unknown dataset"
    lines = [f"{report['folder']}: {title}"]
    for split, info in report["splits"].items():
        height, width = info["image_size"]
        lines.append(f"  {split}: {info['count']:,} images of {height}x{width}, pixels mean "
                     f"{info['pixel_mean']:.4f} std {info['pixel_std']:.4f}")
        for path, verdict in info["files"].items():
            lines.append(f"    {path}: {verdict}")
        per_class = ", ".join(f"{name} {n:,}" for name, n in info["classes"].items())
        lines.append(f"    per class: {per_class}")
    for text in report["missing"]:
        lines.append(f"  {text}")
    return "\n".join(lines)
