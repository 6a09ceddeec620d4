"""Every OpenCL platform and device with what it says about itself, and one small NDRange.

E1-6.09 / E2-8.07 list platforms and devices. Here each device is a row (compute units,
clock, memories, the largest allocation and work-group), then one kernel runs on the chosen
device over a small 2-D range and every work-item writes its work-group's number and its own
local id, so the pictures show how a global range is cut into work-groups.
[measured] PoCL's CPU device reports as "Portable Computing Language" / "pthread-<CPU>".
"""

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Device info: platforms, devices, NDRange"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.09, E2-8.07"
SHOWS_BUG = False
LESSON = (
    "OpenCL has platforms (one per installed driver) and devices (CPUs, GPUs, accelerators). "
    "A device's compute units run work-groups; its max_work_group_size caps how many work-items "
    "one group may hold, and its local memory is what a group shares. The pictures cut a "
    "global range into work-groups: change global_size and local_size to see the tiling."
)
PARAMS = [
    Param("global_size", "int", 16, min=1, max=512, help="side of the 2-D global range"),
    Param("local_size", "int", 4, min=1, max=64, help="side of a work-group (divides global_size)"),
    _cl.device_param(),
]
QUICK = {}


def row(entry, props):
    """One flat row per device (the Result panel shows a list of flat dicts as a table)."""
    mb = 2**20
    return {
        "key": entry["key"],
        "platform": entry["platform"],
        "name": props["name"],
        "type": props["type"],
        "compute_units": props["compute_units"],
        "max_clock_mhz": props["max_clock_mhz"],
        "global_mem_mb": round(props["global_mem_bytes"] / mb),
        "local_mem_kb": props["local_mem_bytes"] // 1024,
        "constant_mem_kb": props["constant_mem_bytes"] // 1024,
        "max_alloc_mb": round(props["max_alloc_bytes"] / mb),
        "max_work_group_size": props["max_work_group_size"],
        "max_work_item_sizes": "x".join(map(str, props["max_work_item_sizes"])),
        "version": props["version"],
        "driver": props["driver_version"],
    }


def run(ctx, global_size, local_size, device):
    import pyopencl as cl

    if global_size % local_size:
        raise ValueError(f"local_size={local_size} must divide global_size={global_size}")
    devices = [row(entry, _cl.properties(dev)) for entry, dev in _cl.all_devices()]
    s = _cl.setup(ctx, device, "ndrange.cl")
    group = np.empty((global_size, global_size), dtype=np.int32)
    local = np.empty_like(group)
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        g_g = cl.Buffer(s.ctx, cl.mem_flags.WRITE_ONLY, group.nbytes)
        l_g = cl.Buffer(s.ctx, cl.mem_flags.WRITE_ONLY, local.nbytes)
        size, lsize = (global_size, global_size), (local_size, local_size)
        tl.add("kernel", "where", s.program.kernel("where")(s.queue, size, lsize, g_g, l_g))
        tl.add("d2h", "group ids", cl.enqueue_copy(s.queue, group, g_g))
        tl.add("d2h", "local ids", cl.enqueue_copy(s.queue, local, l_g))
        s.queue.finish()
    out = _cl.report(s.device, tl, _cl.timer() - t0)
    props = _cl.properties(s.device)
    out.update(
        devices=devices,
        selected=props,
        work_groups=int(group.max()) + 1,
        images={
            "work_group": _cl.image(group, "viridis", "work-group of each work-item"),
            "local_id": _cl.image(local, "viridis", "local id of each work-item"),
        },
        build=s.build,
    )
    out["summary"] = (
        f"{len(devices)} device(s); ran on {props['name']} ({props['type']}, "
        f"{props['compute_units']} compute units): {global_size}x{global_size} work-items in "
        f"{out['work_groups']} work-groups of {local_size}x{local_size}"
    )
    return out


if __name__ == "__main__":
    main(__name__)
