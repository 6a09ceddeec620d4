// One Jacobi step of the 2-D heat equation on an n x n grid: every interior point becomes the
// mean of its four neighbours; the boundary keeps its values. Ping-pong between two buffers.
__kernel void jacobi(__global const float *u, __global float *v, const int n)
{
    int x = get_global_id(0);
    int y = get_global_id(1);
    if (x >= n || y >= n)
        return;
    int i = y * n + x;
    if (x == 0 || y == 0 || x == n - 1 || y == n - 1)
        v[i] = u[i];
    else
        v[i] = 0.25f * (u[i - 1] + u[i + 1] + u[i - n] + u[i + n]);
}
