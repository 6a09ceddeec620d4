// Probes for the roofline: a STREAM-like triad for memory bandwidth, and independent chains of
// fused multiply-adds for peak compute (2 FLOP each). Vector types (float4 / float8) so that
// devices without automatic vectorisation also reach their peak.
__kernel void triad(__global float4 *a, __global const float4 *b, __global const float4 *c,
                    const float s)
{
    int i = get_global_id(0);
    a[i] = b[i] + s * c[i];
}

__kernel void fma_peak(__global float *out, const int iters, const float s)
{
    float8 x0 = (float8)(get_global_id(0) * 1e-7f), x1 = x0 + 0.1f, x2 = x0 + 0.2f,
           x3 = x0 + 0.3f;
    for (int i = 0; i < iters; i++) {
        x0 = fma(x0, s, 0.5f);
        x1 = fma(x1, s, 0.5f);
        x2 = fma(x2, s, 0.5f);
        x3 = fma(x3, s, 0.5f);
    }
    float8 r = x0 + x1 + x2 + x3;
    out[get_global_id(0)] = r.s0 + r.s1 + r.s2 + r.s3 + r.s4 + r.s5 + r.s6 + r.s7;
}
