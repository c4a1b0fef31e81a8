"""File checksums: of data files (MD5, as datasets publish them) and of models (SHA-256)."""
import gzip
import hashlib


def file_digest(path, algorithm="sha256", decompress=False):
    """The hex digest of the file at ``path``, or of its decompressed content (``decompress``:
    a .gz file), read in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    opener = gzip.open if decompress else open
    with opener(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
