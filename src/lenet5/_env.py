"""Environment defaults that must be in place before MindSpore runs its first operation.

Imported first by ``lenet5/__init__.py``; a value the user already set is never overridden.
"""
import os

# On AVX-512 CPUs oneDNN picks convolution kernels that are many times slower for LeNet5's
# tiny tensors than its AVX2 ones (docs/CPU_SPEED.md and the appendix lesson measure both).
# Capping the ISA at AVX2 costs nothing on CPUs without AVX-512.
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
# MindSpore's C++ log at WARNING repeats harmless notices in every run; keep ERROR and up.
os.environ.setdefault("GLOG_v", "3")
