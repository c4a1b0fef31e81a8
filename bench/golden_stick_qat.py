"""Does MindSpore Golden Stick's quantization-aware training run here? Try it on LeNet5.

Applies ``SimulatedQuantizationAwareTraining`` (mindspore-gs) to LeNet5 and trains one short
epoch on the CPU, then prints what happened: the test accuracy of the fake-quantized network,
or the first line of the error. docs/DEPLOYMENT.md reports the outcome.

mindspore-gs is not a dependency of this course: its releases pin an older MindSpore
(1.4.1: mindspore==2.7.1.post1 and numpy<2). To try it without replacing MindSpore 2.10:

    pip install --no-deps --target /tmp/gs mindspore-gs prettytable wcwidth
    PYTHONPATH=/tmp/gs python bench/golden_stick_qat.py
"""
import argparse
import os
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
import lenet5  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data_url", default=os.path.join(ROOT, "MNIST"))
    p.add_argument("--images", type=int, default=640, help="training images for the attempt")
    p.add_argument("--device_target", default="CPU")
    args = p.parse_args()
    try:
        import datasets  # noqa: F401
    except ImportError:
        # mindspore_gs imports Hugging Face `datasets` for its LLM post-training code only; a
        # stand-in lets its QAT part load without pulling in that stack.
        sys.modules["datasets"] = types.SimpleNamespace(Dataset=type("Dataset", (), {}))
    try:
        import mindspore_gs
        from mindspore_gs.quantization import SimulatedQuantizationAwareTraining
    except ImportError as e:
        print(f"result: mindspore-gs cannot be imported here ({e}); see this script's docstring")
        return 1
    import mindspore as ms
    print(f"mindspore {ms.__version__}, mindspore-gs {mindspore_gs.__version__}, "
          f"device {args.device_target}", flush=True)
    lenet5.setup_device(args.device_target, seed=1)
    args.data_url = os.path.abspath(args.data_url)
    os.chdir(tempfile.mkdtemp(prefix="lenet5-gs-"))  # SimQAT writes rewritten_network/*.py here
    try:
        net = SimulatedQuantizationAwareTraining().apply(lenet5.LeNet5())
    except Exception as e:
        print(f"result: applying SimQAT fails: {str(e).strip().splitlines()[0]}")
        return 1
    print("SimQAT rewrote LeNet5:", type(net).__name__, flush=True)
    try:
        train = lenet5.create_dataset(args.data_url, "train", num_samples=args.images)
        lenet5.train(net, train, lenet5.RECIPES["course"].with_overrides(epochs=1),
                     display=False)
        accuracy = lenet5.evaluate(net, lenet5.create_dataset(args.data_url, "test"))["accuracy"]
    except Exception as e:
        lines = [line for line in str(e).splitlines() if line.strip() and "---" not in line]
        print(f"result: QAT training fails on {args.device_target}: "
              f"{' '.join(lines[:2]) if lines else type(e).__name__}")
        return 1
    print(f"result: QAT works on {args.device_target}: test accuracy {accuracy:.2%} after one "
          f"epoch of {args.images} images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
