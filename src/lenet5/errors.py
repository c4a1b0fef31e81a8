"""The one exception type a user should see as a single line, never as a traceback."""


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
