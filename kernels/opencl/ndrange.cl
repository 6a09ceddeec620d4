// Device info's small kernel: every work-item writes where it is in the NDRange, so the
// picture shows how the global range is cut into work-groups.
__kernel void where(__global int *group, __global int *local_id)
{
    int x = get_global_id(0);
    int y = get_global_id(1);
    int w = get_global_size(0);
    group[y * w + x] = get_group_id(1) * get_num_groups(0) + get_group_id(0);
    local_id[y * w + x] = get_local_id(1) * get_local_size(0) + get_local_id(0);
}

// Does nothing: the benchmarks time an enqueue + finish round trip with it.
__kernel void empty(void)
{
}
