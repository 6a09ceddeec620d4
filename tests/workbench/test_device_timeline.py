"""OpenCL commands land on the same timeline as the host's threads, one lane per queue."""

from workbench import catalog, controller
from workbench.analysis import STATE_NAMES
from workbench.spec import RunSpec


def run(trace):
    recipe = catalog.get("opencl.saxpy")
    spec = RunSpec.make(recipe.id, catalog.resolve(recipe, dict(recipe.quick)), trace=trace)
    handle = controller.start(spec)
    return handle, handle.wait()


def test_a_traced_opencl_run_has_host_threads_and_a_queue_lane():
    handle, record = run(trace=True)
    timeline = handle.analysis.timeline
    assert [lane["name"] for lane in timeline.lanes] == ["MainThread", "OpenCL queue q0"]
    spans = timeline.spans[timeline.spans["lane"] == 1]
    names = {STATE_NAMES[int(s)] for s in spans["state"]}
    assert names == {"device: kernel", "device: transfer"}
    commands = record.result["commands"]
    assert len(spans) == len(commands)
    # on the host's clock: inside the traced span of the run, in the order they ran
    assert (spans["start"] >= 0).all() and (spans["end"] <= timeline.t1_ns - timeline.t0_ns).all()
    assert list(spans["start"]) == sorted(spans["start"])


def test_an_untraced_opencl_run_still_gets_its_queue_lane():
    handle, _ = run(trace=False)
    assert [lane["name"] for lane in handle.analysis.timeline.lanes] == ["OpenCL queue q0"]
