"""Where lenet5 runs: supported versions (``compat``), what works on this machine
(``doctor``), CPU thread placement (``threads``), CUDA libraries (``cuda``), data-parallel
training under msrun (``distributed``) and Huawei ModelArts' OBS storage (``modelarts``).

Nothing is imported here: ``import lenet5`` runs ``compat`` before MindSpore is imported."""
