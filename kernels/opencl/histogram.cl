// A histogram of values already reduced to bin numbers, one work-item per value.
// `counts[b] += 1` is a read, an add and a write: two work-items that read the same bin at the
// same time both write back old + 1, and one count is lost. atomic_inc makes it one step.
//
// `spin` widens the window between the read and the write with a little arithmetic that the
// compiler cannot remove (a longer update, as in the threads recipe's widen_window); 0 is the
// plain `counts[b] += 1`. The atomic kernel does the same arithmetic, so both do equal work.

uint busy(uint value, int spin)
{
    float f = (float)value + 1.0f;
    for (int k = 0; k < spin; k++)
        f = f * 0.999f + 0.001f;
    return f > 0.0f ? 1u : 2u; // always 1: f stays positive
}

__kernel void histogram_racy(__global const uint *bin, __global uint *counts, const uint n,
                             const int spin)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint b = bin[i];
    uint old = counts[b];              // read
    counts[b] = old + busy(old, spin); // write: whatever others wrote in between is lost
}

__kernel void histogram_atomic(__global const uint *bin, __global uint *counts, const uint n,
                               const int spin)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint b = bin[i];
    if (busy(b, spin) == 1u)
        atomic_inc(&counts[b]);
}
