"""A stand-in for Huawei's ``moxing`` (ModelArts' OBS client) for the tests: ``obs://`` and
``s3://`` addresses are folders under $FAKE_OBS_ROOT, and ``file.copy_parallel`` copies folders
like the real one does."""
from . import file  # noqa: F401
