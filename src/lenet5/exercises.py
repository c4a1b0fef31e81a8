"""What the checks of the notebooks' exercises share (tools/student.py builds the checks).

A check must tell a learner whether an answer is right without printing the right answer, and
otter-grader shows the line of a failed check. So a check compares digests, not values:

    assert fingerprint(total) == "5d0a8b1e6f2c", "..."

A check for a typical mistake asserts ``not mistake(lambda: ...)``: an answer that has not even
the right form (the form check's hint says so) does not also trip every mistake check.

An author gets a digest with ``python -m lenet5.exercises 64262`` (any Python literal;
``--digits 4`` to round floats first, as the check must then do).
"""
import argparse
import ast
import hashlib
import numbers
import sys

import numpy as np


def _canonical(value, digits):
    """One form per answer: "  B " is "b", 3.0 is 3, [1, 2] is (1, 2), an array its nested tuple."""
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if digits is not None:
            value = round(value, digits)
        return int(value) if value.is_integer() else value
    if isinstance(value, np.ndarray):
        return _canonical(value.tolist(), digits)
    if isinstance(value, (tuple, list)):
        return tuple(_canonical(item, digits) for item in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(_canonical(item, digits) for item in value))
    raise TypeError(f"an answer must be a number, a string, a tuple or list of them, not {type(value).__name__}")


def fingerprint(value, digits=None):
    """A 12-hex-digit digest of an answer; floats rounded to ``digits`` decimals when given."""
    return hashlib.sha256(repr(_canonical(value, digits)).encode()).hexdigest()[:12]


def mistake(test):
    """Whether ``test()`` finds a typical mistake in an answer; False when it cannot even be
    applied (an answer still ``...``, or of the wrong form)."""
    try:
        return bool(test())
    except Exception:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lenet5.exercises",
                                     description="Print the digest a check compares an answer with.")
    parser.add_argument("answer", help="a Python literal: 64262, 0.1307, '(32, 1, 28, 28)', \"'b'\"")
    parser.add_argument("--digits", type=int, help="round floats to this many decimals first")
    args = parser.parse_args(argv)
    try:
        value = ast.literal_eval(args.answer)
    except (ValueError, SyntaxError):
        value = args.answer  # a bare word: a string answer
    try:
        print(fingerprint(value, args.digits))
    except TypeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
