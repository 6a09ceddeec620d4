// Element-wise expressions written out as kernels (the same ones the ElementwiseKernel variant
// generates from a one-line C expression). One work-item per element, exactly n of them, so
// no `if (i < n)` guard (on a CPU device the guard stops vectorisation across work-items).
__kernel void axpby(__global const float *x, __global const float *y, __global float *z,
                    const float a, const float b)
{
    int i = get_global_id(0);
    z[i] = a * x[i] + b * y[i];
}

__kernel void hypot2(__global const float *x, __global const float *y, __global float *z,
                     const float a, const float b)
{
    int i = get_global_id(0);
    z[i] = sqrt(a * x[i] * x[i] + b * y[i] * y[i]);
}

__kernel void sincos2(__global const float *x, __global const float *y, __global float *z,
                      const float a, const float b)
{
    int i = get_global_id(0);
    z[i] = sin(a * x[i]) * cos(b * y[i]);
}
