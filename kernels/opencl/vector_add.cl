// The book's vector sum (E1-6.10): one work-item adds one pair of elements.
// The kernel reads `int` (4 bytes). Host arrays of int64 (8 bytes) are read as twice as many
// 32-bit words, so only the first half of the result lines up with the inputs.
__kernel void sum(__global const int *a, __global const int *b, __global int *c, const int n)
{
    int i = get_global_id(0);
    if (i < n)
        c[i] = a[i] + b[i];
}
