"""The ``lenet5`` console command (training itself is ``main.py``, the course's script).

Each subcommand lives in its own module, which provides

    add_arguments(parser)   # its argparse arguments
    run(args) -> int        # the work; raise Lenet5Error for bad input: one line, exit 2

``Parser`` and ``HelpFormatter`` are also main.py's and ``python -m lenet5.data``'s.
"""
import argparse
import importlib
import sys

from .errors import Lenet5Error, exit_code

# name -> (module, one-line help). Add a subcommand by adding a line here.
COMMANDS = {
    "predict": ("lenet5.deploy.predict", "read the digit in image files (photos, scans, PNGs)"),
    "export": ("lenet5.deploy.export",
               "export a checkpoint as MINDIR, ONNX or AIR, with a sidecar JSON"),
    "quantize": ("lenet5.deploy.quantize", "int8 post-training quantization of the ONNX model"),
    "footprint": ("lenet5.deploy.footprint",
                  "per-layer parameters, MACs, memory and latency tables"),
    "data": ("lenet5.data.__main__", "download a dataset with checksums, or inspect a data folder"),
    "serve": ("lenet5.deploy.serve", "a web page to draw a digit on and see the network read it"),
    "doctor": ("lenet5.platform.doctor",
               "what works on this machine: MindSpore, devices, threads, run_check"),
}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except ``None``: such options say in their help what they default to."""

    def _get_help_string(self, action):
        return action.help if action.default is None else super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit 2 (a Lenet5Error), never
    the usage text plus a line."""

    def error(self, message):
        raise Lenet5Error(f"{self.prog}: {message}")


def build_parser():
    parser = Parser(prog="lenet5", description="LeNet5 on MNIST with MindSpore.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, (module, text) in COMMANDS.items():
        p = sub.add_parser(name, help=text, description=text,
                           formatter_class=HelpFormatter)
        p.set_defaults(module=module)
        importlib.import_module(module).add_arguments(p)
    return parser


def main(argv=None):
    def command():
        args = build_parser().parse_args(argv)
        if not args.command:
            build_parser().print_help()
            return 2
        return importlib.import_module(args.module).run(args)
    return exit_code(command)


if __name__ == "__main__":
    sys.exit(main())
