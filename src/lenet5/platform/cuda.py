"""Which CUDA libraries MindSpore's GPU plugin needs, and where (or whether) they are here.

MindSpore 2.10 ships one wheel for CPU and GPU: its GPU plugin (``lib/plugin/
libmindspore_gpu.so.11.6``) is linked against the CUDA 11 libraries (``libcudart.so.11.0``,
``libcudnn.so.8``, ``libcublas.so.11``...), which the wheel does not contain. The dynamic loader
looks for them in LD_LIBRARY_PATH, the plugin's RPATH (``/usr/local/cuda/lib64``) and ldconfig's
cache; pip's ``nvidia-*-cu11`` packages put them under ``site-packages/nvidia/*/lib``, where it
does not look unless LD_LIBRARY_PATH names those folders when Python starts.
"""
import glob
import os
import re
import shutil
import site
import struct
import subprocess
import sys

import mindspore

# soname prefix -> (pip package that provides it, its folder under site-packages). cuDNN: the
# cu11 package's 9.x releases ship libcudnn.so.9, so the 8.x series is pinned.
PIP_PACKAGES = {
    "libcudart.so": ("nvidia-cuda-runtime-cu11", "nvidia/cuda_runtime/lib"),
    "libcublas.so": ("nvidia-cublas-cu11", "nvidia/cublas/lib"),
    "libcudnn.so": ("nvidia-cudnn-cu11==8.9.6.50", "nvidia/cudnn/lib"),
    "libcurand.so": ("nvidia-curand-cu11", "nvidia/curand/lib"),
    "libcusolver.so": ("nvidia-cusolver-cu11", "nvidia/cusolver/lib"),
    "libcufft.so": ("nvidia-cufft-cu11", "nvidia/cufft/lib"),
    "libcusparse.so": ("nvidia-cusparse-cu11", "nvidia/cusparse/lib"),
    "libnvrtc.so": ("nvidia-cuda-nvrtc-cu11", "nvidia/cuda_nvrtc/lib"),
}
DRIVER = "libcuda.so.1"  # comes with the NVIDIA driver, never from pip
CUDA_DIRS = ("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
             "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib")
# Libraries of the C/C++ runtime every Linux has: not worth reporting.
SYSTEM = re.compile(r"^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|libgomp|"
                    r"ld-linux[\w-]*)\.so")


def elf_needed(path):
    """The DT_NEEDED entries (sonames) of a 64-bit little-endian ELF file, in order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{path}: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    needed = []
    for _, kind, _, _, offset, size, link, *_ in sections:
        if kind != 6:  # SHT_DYNAMIC; its sh_link is the string table of the names
            continue
        strings = sections[link][4]
        for at in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, at)
            if tag == 0:  # DT_NULL ends the table
                break
            if tag == 1:  # DT_NEEDED
                needed.append(data[strings + value:data.index(b"\0", strings + value)].decode())
    return needed


def gpu_plugin(mindspore_dir=None):
    """The newest GPU plugin of this MindSpore (``lib/plugin/libmindspore_gpu.so.X.Y``), or None."""
    if mindspore_dir is None:
        mindspore_dir = os.path.dirname(mindspore.__file__)
    plugins = glob.glob(os.path.join(mindspore_dir, "lib", "plugin", "libmindspore_gpu.so.*"))
    version = lambda p: tuple(int(x) for x in re.findall(r"\d+", p.rsplit(".so.", 1)[1]))
    return max(plugins, key=version) if plugins else None


def required_libraries(plugin):
    """The libraries ``plugin`` needs that neither MindSpore nor the C runtime provide."""
    lib = os.path.dirname(os.path.dirname(plugin))  # mindspore/lib
    own = {os.path.basename(p) for p in glob.glob(os.path.join(lib, "**", "*.so*"),
                                                   recursive=True)}
    return [name for name in elf_needed(plugin) if name not in own and not SYSTEM.match(name)]


def ldconfig_cache():
    """{soname: path} from ``ldconfig -p`` ({} where there is no ldconfig)."""
    tool = shutil.which("ldconfig") or next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig")
                                             if os.path.exists(p)), None)
    if not tool:
        return {}
    try:
        text = subprocess.run([tool, "-p"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    found = re.findall(r"^\s*(\S+) \(([^)]*)\) => (\S+)$", text, re.M)
    return {name: path for name, arch, path in found if "x86-64" in arch or "64" in arch}


def pip_lib_dirs(site_dirs=None):
    """The ``nvidia/*/lib`` folders of pip's CUDA packages in the site-packages folders."""
    if site_dirs is None:
        site_dirs = [*site.getsitepackages(), site.getusersitepackages(),
                     *(p for p in sys.path if p.endswith("site-packages"))]
    return sorted({d for s in site_dirs for d in glob.glob(os.path.join(s, "nvidia", "*", "lib"))})


def locate(names, ld_library_path=None, cache=None, cuda_dirs=CUDA_DIRS, pip_dirs=None):
    """{soname: (path, where) or None}. ``where`` is "LD_LIBRARY_PATH", "ldconfig", "CUDA dir"
    (usually seen by the loader) or "pip" (seen only once its folder is on LD_LIBRARY_PATH)."""
    if ld_library_path is None:
        ld_library_path = os.environ.get("LD_LIBRARY_PATH", "")
    cache = ldconfig_cache() if cache is None else cache
    pip_dirs = pip_lib_dirs() if pip_dirs is None else pip_dirs
    places = [("LD_LIBRARY_PATH", d) for d in ld_library_path.split(os.pathsep) if d]
    places += [("CUDA dir", d) for d in cuda_dirs]
    found = {}
    for name in names:
        hits = [(os.path.join(d, name), where) for where, d in places
                if os.path.exists(os.path.join(d, name))]
        if not hits and name in cache:
            hits = [(cache[name], "ldconfig")]
        hits += [(os.path.join(d, name), "pip") for d in pip_dirs
                 if os.path.exists(os.path.join(d, name))]
        found[name] = hits[0] if hits else None
    return found


def pip_package(name):
    """The pip package that provides the library ``name`` (a soname), or None."""
    return next((pkg for prefix, (pkg, _) in PIP_PACKAGES.items()
                 if name.startswith(prefix + ".")), None)


def advice(found):
    """One sentence: what is missing for the GPU plugin and how to get it ('' if nothing is)."""
    missing = [n for n, hit in found.items() if hit is None]
    parts = []
    if DRIVER in missing:
        parts.append(f"no NVIDIA driver ({DRIVER} not found): install the driver for your card")
    libraries = [n for n in missing if n != DRIVER]
    if libraries:
        packages = sorted({pip_package(n) for n in libraries if pip_package(n)})
        parts.append(f"CUDA 11 libraries missing: {', '.join(libraries)}"
                     + (f": pip install {' '.join(packages)}" if packages else ""))
    if libraries or _unseen(found):
        parts.append("put their lib folders on LD_LIBRARY_PATH before starting Python "
                     "(lenet5 doctor prints the line)")
    return "; ".join(parts)


def export_line(found):
    """``export LD_LIBRARY_PATH=...`` adding the pip folders the loader would not see, or ''."""
    unseen = _unseen(found)
    if not unseen:
        return ""
    return "export LD_LIBRARY_PATH=" + os.pathsep.join(unseen + ["$LD_LIBRARY_PATH"])


def _unseen(found):
    """The pip folders of found libraries that the dynamic loader does not search."""
    return sorted({os.path.dirname(hit[0]) for hit in found.values() if hit and hit[1] == "pip"})


def check(mindspore_dir=None):
    """``(plugin, {soname: (path, where) or None})`` for this MindSpore's GPU plugin."""
    plugin = gpu_plugin(mindspore_dir)
    if plugin is None:
        return None, {}
    return plugin, locate(required_libraries(plugin))
