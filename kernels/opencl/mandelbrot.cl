// Mandelbrot iteration counts, one work-item per pixel. REAL is float or double (-DUSE_DOUBLE).
// FP_CONTRACT OFF: no fused multiply-add, so the arithmetic is the same as numpy's, step by step.
#pragma OPENCL FP_CONTRACT OFF
#ifdef USE_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#else
typedef float real;
#endif

__kernel void mandelbrot(__global int *counts, const real x0, const real y0, const real dx,
                         const real dy, const int width, const int height, const int max_iter)
{
    int px = get_global_id(0);
    int py = get_global_id(1);
    if (px >= width || py >= height)
        return;
    real cr = x0 + (real)px * dx;
    real ci = y0 + (real)py * dy;
    real zr = 0, zi = 0;
    int n = 0;
    while (n < max_iter) {
        real zr2 = zr * zr;
        real zi2 = zi * zi;
        if (zr2 + zi2 > 4)
            break;
        zi = 2 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        n++;
    }
    counts[py * width + px] = n;
}
