"""The MPI backend's engine side: launch commands, requirements, cancel, the CLI, analysis."""

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from workbench import catalog, cli, controller, mpi_launch
from workbench.catalog import CatalogError
from workbench.mpi_events import pack, unpack
from workbench.spec import RunSpec, Status

ROOT = Path(__file__).resolve().parents[2]


def test_pack_and_unpack_keep_peer_tag_and_size():
    for peer, tag, size in [(0, 0, 0), (63, 32000, 1 << 20), (-2, -1, -1), (-1, 5, 7)]:
        assert unpack(pack(peer, tag, size)) == (peer, tag, size)


def test_launch_commands_use_each_launchers_own_flags(tmp_path):
    inner = ["python", "-m", "workbench.host"]
    mpich = mpi_launch.Launch("/x/mpiexec", "mpich", hosts=("a", "b"), extra=("-v",))
    cmd = mpi_launch.command(mpich, 4, inner)
    assert cmd[:3] == ["/x/mpiexec", "-hosts", "a,b"] and "-genvlist" in cmd
    assert cmd[-5:] == ["-n", "4", *inner] and "-v" in cmd
    assert "WORKBENCH_AUTHKEY" in cmd[cmd.index("-genvlist") + 1]  # the name, never the key
    ompi = mpi_launch.Launch("/y/mpirun", "openmpi", hostfile=str(tmp_path / "hosts"))
    cmd = mpi_launch.command(ompi, 2, inner)
    assert "--oversubscribe" in cmd and "--hostfile" in cmd and cmd.count("-x") >= 4


def test_default_launcher_is_the_mpich_wheels_and_remote_jobs_listen_everywhere(tmp_path):
    launch = mpi_launch.resolve({})
    assert launch.flavor == "mpich" and launch.mpiexec.startswith(str(Path(sys.executable).parent))
    assert mpi_launch.bind_and_advertise(launch) == ("127.0.0.1", None)
    hostfile = tmp_path / "hosts"
    hostfile.write_text("# our machine\n127.0.0.1:2\n")
    remote = mpi_launch.resolve({"hostfile": str(hostfile)})
    bind, address = mpi_launch.bind_and_advertise(remote)
    assert bind == "0.0.0.0" and address


@pytest.mark.parametrize(
    "options, words",
    [
        ({"mpiexec": "/no/such/mpiexec"}, "not an executable"),
        ({"hosts": "a", "hostfile": "f"}, "not both"),
        ({"hostfile": "/no/such/file"}, "no such file"),
        ({"mpi_args": "'unclosed"}, "--mpi-args"),
    ],
)
def test_bad_launch_options_are_one_line_errors(options, words):
    with pytest.raises(mpi_launch.LaunchError, match=words):
        mpi_launch.resolve(options)


def test_requirements_refuse_a_wrong_rank_count_before_launch(capsys):
    with pytest.raises(CatalogError, match="one item per rank"):
        catalog.resolve(catalog.get("mpi.scatter"), {"workers": 4, "items": 10})
    assert cli.main(["run", "mpi.cartesian", "--workers", "3", "-p", "rows=2"]) == 2
    assert "must be full" in capsys.readouterr().err


def test_cancel_ends_the_whole_job_within_a_second_and_leaves_nothing():
    recipe = catalog.get("mpi.deadlock")
    params = catalog.resolve(recipe, {"workers": 3, "order": "recv-first"})
    run = controller.start(RunSpec.make(recipe.id, params, timeout_s=60))
    deadline = time.monotonic() + 20
    while len(run._known) < 4 and time.monotonic() < deadline:  # mpiexec, proxy, ranks
        time.sleep(0.05)
    time.sleep(0.5)
    procs = list(run._known.values())
    ranks = [p for p in procs if p.cmdline()[1:3] == ["-m", "workbench.host"]]
    assert len(ranks) == 3
    t0 = time.monotonic()
    run.cancel()
    record = run.wait(10)
    assert time.monotonic() - t0 < 1.0
    assert record.status is Status.CANCELLED
    assert not [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_timeout_ends_an_untraced_hang_and_every_rank():
    recipe = catalog.get("mpi.deadlock")
    params = catalog.resolve(recipe, {"order": "recv-first"})
    run = controller.start(RunSpec.make(recipe.id, params, timeout_s=2))
    record = run.wait(20)
    assert record.status is Status.TIMEOUT and record.partial["order"] == "recv-first"
    procs = list(run._known.values())
    assert len(procs) >= 4  # mpiexec, its proxy, two ranks: every one seen, none alive
    assert not [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_an_installed_open_mpi_is_recognised_and_given_its_own_flags(tmp_path):
    fake = tmp_path / "mpirun"  # a stand-in: no Open MPI is installed here
    fake.write_text("#!/bin/sh\necho 'mpirun (Open MPI) 4.1.6'\n")
    fake.chmod(0o755)
    launch = mpi_launch.resolve({"mpiexec": str(fake), "hosts": "localhost"})
    assert launch.flavor == "openmpi"
    cmd = mpi_launch.command(launch, 3, ["python"])
    assert cmd[:4] == [str(fake), "--oversubscribe", "--host", "localhost:3"]
    assert cmd[cmd.index("WORKBENCH_AUTHKEY") - 1 :][:2] == ["-x", "WORKBENCH_AUTHKEY"]


def test_trace_mpi_runs_a_users_script_on_n_ranks_and_matches_its_messages(tmp_path):
    script = tmp_path / "ring.py"
    script.write_text(
        "from mpi4py import MPI\n"
        "comm = MPI.COMM_WORLD\n"
        "r, n = comm.Get_rank(), comm.Get_size()\n"
        "got = comm.sendrecv(r, dest=(r + 1) % n, source=(r - 1) % n)\n"
        "sub = comm.Split(r % 2, r)\n"
        "req = comm.isend(b'x' * 100, dest=(r + 1) % n, tag=9)\n"
        "comm.recv(source=(r - 1) % n, tag=9)\n"
        "req.wait()\n"
        "total = sub.allreduce(got)\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "trace", "--mpi", "3", str(script), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    doc = json.loads(out.stdout)
    assert doc["status"] == "ok", out.stderr
    mpi = doc["stats"]["mpi"]
    assert mpi["matrix"]["messages"] == [[0, 2, 0], [0, 0, 2], [2, 0, 0]]
    allreduce = [g for g in mpi["collectives"] if g["call"] == "allreduce"]
    assert sorted(len(g["ranks"]) for g in allreduce) == [1, 2]  # Split: {0, 2} and {1}
    assert all(m["bytes"] > 0 for m in mpi["messages"])


def test_devices_reports_the_mpi_library_from_a_child_process():
    info = mpi_launch.library_info()
    assert "MPICH" in info["library"] and info["mpi4py"]
    assert "mpi4py.MPI" not in sys.modules


def _own_address():
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent
            return s.getsockname()[0]
    except OSError:
        return None


def test_a_job_on_a_named_host_listens_everywhere_and_its_ranks_connect_to_that_address():
    address = _own_address()
    if not address or address.startswith("127."):
        pytest.skip("this machine has no non-loopback address")
    recipe = catalog.get("mpi.hello")
    spec = RunSpec.make(
        recipe.id, catalog.resolve(recipe, {"workers": 2}), timeout_s=60, launch={"hosts": address}
    )
    command, bind, advertised, ranks = mpi_launch.plan(spec, ["python"])
    assert (bind, advertised, ranks) == ("0.0.0.0", address, 2)
    assert command[command.index("-hosts") + 1] == address
    record = controller.run(spec)
    assert record.status is Status.OK, record.error_line()
    assert record.result["ranks"] == 2


def test_a_receive_from_a_rank_that_returned_is_an_mpi_deadlock(tmp_path):
    script = tmp_path / "lost.py"
    script.write_text(
        "from mpi4py import MPI\n"
        "comm = MPI.COMM_WORLD\n"
        "if comm.Get_rank() == 0:\n"
        "    comm.recv(source=1, tag=5)  # rank 1 never sends: it returns\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "trace", "--mpi", "2", str(script), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    doc = json.loads(out.stdout)
    assert doc["status"] == "deadlock", out.stderr
    finding = doc["findings"][0]
    assert "finished already: ranks [1]" in finding["message"]
    assert finding["waits"][0]["location"] == f"{script}:4"
    assert doc["wall_s"] is None or doc["wall_s"] < 5
