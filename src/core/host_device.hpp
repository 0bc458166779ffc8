// NANODECOH_HD marks a function compiled for both the host and, under nvcc, the device:
// the special functions (numerics/special_functions.hpp) and the localization integrands
// that the CPU backend and the CUDA kernels share.
#pragma once

#if defined(__CUDACC__)
#define NANODECOH_HD __host__ __device__
#else
#define NANODECOH_HD
#endif
