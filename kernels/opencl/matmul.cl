// C = A B for n x n float matrices, one work-item per element of C.
// Both kernels add the products in the same order with fma(), so their results are identical.

__kernel void matmul_naive(__global const float *A, __global const float *B, __global float *C,
                           const int n)
{
    int col = get_global_id(0);
    int row = get_global_id(1);
    if (row >= n || col >= n)
        return;
    float acc = 0.0f;
    for (int k = 0; k < n; k++)
        acc = fma(A[row * n + k], B[k * n + col], acc);
    C[row * n + col] = acc;
}

// Tiled: the work-group copies a tile of A and a tile of B into local memory, waits at a
// barrier, and every work-item reads the tile many times from there instead of global memory.
// The tile is the work-group's size (square); As and Bs are tile*tile floats each.
__kernel void matmul_tiled(__global const float *A, __global const float *B, __global float *C,
                           const int n, __local float *As, __local float *Bs)
{
    int tile = get_local_size(0);
    int lx = get_local_id(0);
    int ly = get_local_id(1);
    int col = get_global_id(0);
    int row = get_global_id(1);
    float acc = 0.0f;
    for (int t = 0; t < n; t += tile) {
        As[ly * tile + lx] = (row < n && t + lx < n) ? A[row * n + t + lx] : 0.0f;
        Bs[ly * tile + lx] = (col < n && t + ly < n) ? B[(t + ly) * n + col] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        int kmax = min(tile, n - t);
        for (int k = 0; k < kmax; k++)
            acc = fma(As[ly * tile + k], Bs[k * tile + lx], acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (row < n && col < n)
        C[row * n + col] = acc;
}
