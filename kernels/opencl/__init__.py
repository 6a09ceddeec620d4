"""Chapter 6 of the first edition (chapter 8 of the second): GPU programming with PyOpenCL.

Each recipe is a short Python module beside its ``.cl`` source. They run on any OpenCL device
(``device=auto`` takes the first GPU, else the first device: PoCL's CPU device where no GPU is
installed) and report the same fields: device, phase times from profiling events, GFLOP/s and
GB/s, a check against numpy and pictures. ``_cl`` holds what they share.
"""
