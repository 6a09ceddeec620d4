// Dot product, first pass: each work-item sums x[i] * y[i] over its share of the vectors, then
// its work-group adds those sums as a tree in local memory (halving the active work-items at
// each step, a barrier between steps). One partial sum per work-group; the host adds those.
// The work-group size must be a power of two.
//
// Two ways to share out the elements. Strided: work-item g takes g, g + G, g + 2G, ... (G the
// global size), so neighbouring work-items read neighbouring elements at the same moment: what
// a GPU wants (coalesced loads). Chunked: work-item g takes one contiguous chunk, which is what
// a CPU device wants, since it runs a work-group's items one after another on one core.

float tree(__local float *scratch, float acc)
{
    int lid = get_local_id(0);
    scratch[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s)
            scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return scratch[0];
}

__kernel void dot_strided(__global const float *x, __global const float *y,
                          __global float *partial, __local float *scratch, const int n)
{
    float acc = 0.0f;
    for (int i = get_global_id(0); i < n; i += get_global_size(0))
        acc += x[i] * y[i];
    float sum = tree(scratch, acc);
    if (get_local_id(0) == 0)
        partial[get_group_id(0)] = sum;
}

__kernel void dot_chunked(__global const float *x, __global const float *y,
                          __global float *partial, __local float *scratch, const int n)
{
    int chunk = (n + get_global_size(0) - 1) / get_global_size(0);
    int start = get_global_id(0) * chunk;
    int end = min(start + chunk, n);
    float acc = 0.0f;
    for (int i = start; i < end; i++)
        acc += x[i] * y[i];
    float sum = tree(scratch, acc);
    if (get_local_id(0) == 0)
        partial[get_group_id(0)] = sum;
}
