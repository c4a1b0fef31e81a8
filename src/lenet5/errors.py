"""The one exception type a user should see as a single line, never as a traceback."""
import os
import sys


class Lenet5Error(Exception):
    """Bad input or an unusable setup: the message says what is wrong and how to fix it.

    Command-line entry points print ``error: <message>`` on stderr and exit with code 2.
    """


class DataError(Lenet5Error):
    """A data folder or IDX file that cannot be used."""


class DeviceError(Lenet5Error):
    """A device target that is unknown or not usable on this machine."""


class CheckpointError(Lenet5Error):
    """A checkpoint that is missing, corrupt, or made for another network."""


class RecipeError(Lenet5Error):
    """A training recipe with a value that cannot train (0 epochs, a negative rate...)."""


def first_line(error, limit=200):
    """The first line of ``error`` (an exception or a text), at most ``limit`` characters:
    MindSpore's and onnxruntime's messages go on for pages of C++ detail. An exception without
    a message gives its type's name, an empty text ''."""
    text = str(error).strip()
    if not text:
        return type(error).__name__ if isinstance(error, BaseException) else ""
    return text.splitlines()[0][:limit]


def exit_code(action, interrupted="interrupted"):
    """Run ``action()`` for a command-line entry point and return its exit code.

    A :class:`Lenet5Error` becomes one ``error: ...`` line on stderr and exit code 2; Ctrl-C
    prints ``interrupted`` and gives 130. An integer result is the exit code, anything else 0.
    """
    try:
        result = action()
    except Lenet5Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a pipe that closed early (`| head`)
        # Python would report the failed flush of stdout at exit: point it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a process ended by SIGPIPE
    return result if isinstance(result, int) else 0
