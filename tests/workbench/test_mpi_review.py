"""A user's mpi4py scripts under ``workbench trace --mpi``: cases a second look found broken."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


TRACE = [sys.executable, "-m", "workbench", "trace", "--timeout", "20", "--json"]


def _trace(script: Path, ranks: int = 2) -> dict:
    cmd = [*TRACE, "--mpi", str(ranks), str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    return json.loads(out.stdout) | {"_stderr": out.stderr}


def test_a_rank_that_skips_a_barrier_is_a_deadlock_not_a_barrier_passed(tmp_path):
    # The host's own closing barrier was on COMM_WORLD and matched the script's barrier:
    # the run "passed" where a real MPI job hangs.
    script = tmp_path / "skip.py"
    script.write_text(
        "from mpi4py import MPI\n"
        "comm = MPI.COMM_WORLD\n"
        "if comm.Get_rank() == 0:\n"
        "    comm.barrier()  # rank 1 never calls it\n"
    )
    doc = _trace(script)
    assert doc["status"] == "deadlock", doc["_stderr"]
    finding = doc["findings"][0]
    assert "finished already: ranks [1]" in finding["message"]
    assert finding["waits"][0]["location"] == f"{script}:4"


def test_request_waitall_is_traced_and_a_hang_in_it_is_a_deadlock(tmp_path):
    # MPI.Request.Waitall/waitall bypassed the traced requests: their messages were lost and a
    # rank blocked in Waitall was not seen as blocked (the run hung until its timeout).
    script = tmp_path / "waitall.py"
    script.write_text(
        "from mpi4py import MPI\n"
        "import numpy as np\n"
        "comm = MPI.COMM_WORLD\n"
        "r = comm.Get_rank()\n"
        "out, got = np.full(8, float(r)), np.zeros(8)\n"
        "reqs = [comm.Isend(out, dest=1 - r, tag=1), comm.Irecv(got, source=1 - r, tag=1)]\n"
        "MPI.Request.Waitall(reqs)\n"
        "objs = MPI.Request.waitall([comm.isend(r, dest=1 - r), comm.irecv(source=1 - r)])\n"
        "assert objs[1] == 1 - r and got[0] == 1 - r\n"
        "MPI.Request.Waitall([comm.Irecv(got, source=1 - r, tag=2)])  # never sent\n"
    )
    doc = _trace(script)
    assert doc["status"] == "deadlock", doc["_stderr"]
    mpi = doc["stats"]["mpi"]
    assert mpi["matrix"]["messages"] == [[0, 2], [2, 0]]
    assert sorted(m["bytes"] for m in mpi["messages"] if m["tag"] == 1) == [64, 64]
    waits = doc["findings"][0]["waits"]
    assert {w["location"] for w in waits} == {f"{script}:10"}


def test_a_hang_in_an_object_allreduce_is_reported_and_reductions_keep_their_values(tmp_path):
    # mpi4py's tree allreduce of objects waits holding the GIL: the rank's watch could not
    # report, so a rank that skipped an allreduce hung the run until its timeout.
    script = tmp_path / "allreduce.py"
    script.write_text(
        "from mpi4py import MPI\n"
        "comm = MPI.COMM_WORLD\n"
        "if comm.Get_rank() != 0:\n"
        "    comm.allreduce(1)  # rank 0 never joins\n"
    )
    doc = _trace(script)
    assert doc["status"] == "deadlock", doc["_stderr"] + str(doc["error"])
    assert "rank 1 in allreduce" in doc["findings"][0]["message"]
    script.write_text(
        "from mpi4py import MPI\n"
        "comm = MPI.COMM_WORLD\n"
        "r = comm.Get_rank()\n"
        "assert comm.allreduce(r + 1) == 3 and comm.allreduce((r, r), op=MPI.MAXLOC) == (1, 1)\n"
        "assert comm.reduce(r + 2, op=MPI.PROD, root=1) == (6 if r == 1 else None)\n"
        "assert comm.allreduce([r], op=MPI.SUM) == [0, 1]\n"
    )
    doc = _trace(script)
    assert doc["status"] == "ok", doc["_stderr"] + str(doc["error"])


def test_ctrl_c_during_a_sweep_says_cancelled_and_ends_the_job(tmp_path):
    # Ctrl+C interrupted the point's wait: the JSON said "running" and history kept it so.
    cmd = [sys.executable, "-m", "workbench", "sweep", "mpi.pi", "--workers", "2", "--json"]
    env = os.environ | {"WORKBENCH_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [*cmd, "-p", "intervals=500000000"], stdout=subprocess.PIPE, cwd=ROOT, env=env, text=True
    )
    cli = psutil.Process(proc.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_ranks(cli)) < 2:
        time.sleep(0.05)
    ranks = _ranks(cli)
    assert len(ranks) == 2
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert json.loads(out)["status"] == "cancelled"
    _gone, alive = psutil.wait_procs(ranks, timeout=2)
    assert not alive


def _ranks(cli: psutil.Process) -> list[psutil.Process]:
    try:
        return [p for p in cli.children(recursive=True) if "workbench.host" in p.cmdline()]
    except psutil.Error:
        return []


def test_launch_options_that_name_nothing_are_refused_and_the_library_reads_cleanly():
    from workbench import mpi_launch

    with pytest.raises(mpi_launch.LaunchError, match="no host name in it"):
        mpi_launch.resolve({"hosts": ",,,"})  # ran on this machine, silently
    with pytest.raises(mpi_launch.LaunchError, match="not a regular file"):
        mpi_launch.resolve({"hostfile": "/dev/null"})  # said "no such file"
    assert mpi_launch.resolve({"hosts": " "}).hosts == ()
    library = mpi_launch.library_info()["library"]
    assert "  " not in library and library.startswith("MPICH Version: ")


def _blocked(rank, call, peer, tag, pending=()):
    return {
        "rank": rank,
        "call": call,
        "comm": "COMM_WORLD [0,1]",
        "members": [0, 1],
        "peer": peer,
        "tag": tag,
        "size": 400_000_000,
        "location": "halo.py:9",
        "waiting_s": 0.6,
        "pending": [list(p) for p in pending],
    }


def test_a_receive_that_a_posted_isend_will_complete_is_no_deadlock(tmp_path):
    # Both ranks of a big halo exchange (Irecv, Isend, Waitall) wait in their receive for as
    # long as the transfer takes (1.4 s for 400 MB here): that was declared a deadlock.
    from workbench.mpi_deadlock import can_complete

    halo = {
        0: _blocked(0, "wait.recv", 1, 1, [("isend", 1, 1)]),
        1: _blocked(1, "wait.recv", 0, 1, [("isend", 0, 1)]),
    }
    assert all(can_complete(s, halo) for s in halo.values())
    wrong_tag = {
        0: _blocked(0, "wait.recv", 1, 1, [("isend", 1, 2)]),
        1: _blocked(1, "wait.recv", 0, 1, [("isend", 0, 2)]),
    }
    assert not any(can_complete(s, wrong_tag) for s in wrong_tag.values())
    send_waits_for_posted_irecv = {
        0: _blocked(0, "Ssend", 1, 3),
        1: _blocked(1, "recv", 0, 9, [("irecv", -2, -1)]),  # any source, any tag
    }
    assert can_complete(send_waits_for_posted_irecv[0], send_waits_for_posted_irecv)
    # and a rank knows its posted requests until they complete (what its watch reports)
    script = tmp_path / "pending.py"
    script.write_text(
        "from mpi4py import MPI\n"
        "from workbench import mpi_comm\n"
        "from workbench.mpi_deadlock import pending_requests\n"
        "comm = MPI.COMM_WORLD\n"
        "o = 1 - comm.Get_rank()\n"
        "reqs = [comm.irecv(source=o, tag=4), comm.isend('x', dest=o, tag=4)]\n"
        "assert pending_requests(mpi_comm._recorder) == [['irecv', o, 4], ['isend', o, 4]]\n"
        "MPI.Request.waitall(reqs)\n"
        "assert pending_requests(mpi_comm._recorder) == []\n"
    )
    doc = _trace(script)
    assert doc["status"] == "ok", doc["_stderr"] + str(doc["error"])
