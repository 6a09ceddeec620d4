// The book's "doublify" kernel (E1-6.02 / E2-8.05), written for OpenCL: one work-group of
// n x n work-items doubles an n x n matrix. The book uses a row stride of 4 on a 5-wide
// block, so some cells get two writers and the last cells none. Each work-item also counts
// its write into `writes` with atomic_inc, which draws the ownership map.
__kernel void doublify(__global float *a, __global int *writes, const int stride)
{
    int idx = get_local_id(0) + get_local_id(1) * stride;
    a[idx] *= 2;
    atomic_inc(&writes[idx]);
}
