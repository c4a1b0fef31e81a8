"""Data tools from the command line (also ``lenet5 data ...``).

    python -m lenet5.data download --dataset mnist --dest data/mnist
    python -m lenet5.data download --dataset fashion --dest data/fashion
    python -m lenet5.data download --dataset emnist-36 --dest data/emnist-36
    python -m lenet5.data info data/mnist
"""
import json
import sys

from ..cli import HelpFormatter, Parser
from ..errors import Lenet5Error, exit_code
from . import catalog
from .describe import format_report, inspect
from .download import prepare


def build_parser():
    parser = Parser(prog="python -m lenet5.data", description="Get and inspect the datasets.")
    add_arguments(parser)
    return parser


def add_arguments(parser):
    """The ``download`` and ``info`` subcommands (``lenet5 data`` adds them to its parser)."""
    sub = parser.add_subparsers(dest="data_command", metavar="COMMAND",
                                parser_class=type(parser), required=True)
    get = sub.add_parser("download", help="download a dataset with checksums into a folder",
                         formatter_class=HelpFormatter)
    get.add_argument("--dataset", default="mnist", choices=list(catalog.DATASETS),
                     help="which dataset")
    get.add_argument("--dest", default=None,
                     help="data folder to fill (train/ and test/) (default: data/DATASET)")
    get.add_argument("--force", action="store_true",
                     help="replace the shipped sample or other data already in --dest")
    get.add_argument("--mirror", action="append", default=None, metavar="URL",
                     help="try this mirror (URL or local folder) instead of the catalogue's "
                          "(repeat for several, tried in order)")
    get.add_argument("--retries", type=int, default=3,
                     help="attempts per mirror for dropped connections and timeouts")
    info = sub.add_parser("info", help="what a data folder holds: counts, classes, pixel "
                                       "statistics, checksums")
    info.add_argument("folder", help="data folder (train/ and test/, or the flat files)")
    info.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args):
    if args.data_command == "download":
        if args.retries < 1:
            raise Lenet5Error(f"--retries must be at least 1, got {args.retries}")
        prepare(catalog.get(args.dataset), args.dest or f"data/{args.dataset}", force=args.force,
                mirrors=args.mirror, retries=args.retries)
    else:
        report = inspect(args.folder)
        print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def main(argv=None):
    return exit_code(lambda: run(build_parser().parse_args(argv)),
                     "interrupted: nothing half-written was left behind")


if __name__ == "__main__":
    sys.exit(main())
