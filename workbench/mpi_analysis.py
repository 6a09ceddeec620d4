"""What a traced MPI run says: messages matched send → receive, collectives grouped across
ranks, wait states, and who sent how much to whom.

The events come from :mod:`workbench.mpi_comm`: a begin (``mpi.<call>``) and an ``mpi.end``
per call, on each rank's lane. A receive's end carries the source, tag and size that actually
arrived, so the k-th receive from rank s with tag t on a communicator is matched with the k-th
send from s to it with that tag (MPI's messages between one pair never overtake each other).
Collectives are grouped by their order on each communicator: every member calls them in the
same order. The timeline gets spans per call and an arrow per message.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from typing import Any

import numpy as np

from workbench.mpi_events import unpack

SENDS = {"send", "ssend", "Send", "Ssend", "isend", "Isend", "sendrecv", "Sendrecv"}
RECVS = {"recv", "Recv", "sendrecv", "Sendrecv", "wait.recv"}
POSTS = {"isend", "Isend", "irecv", "Irecv", "wait.send"}  # non-blocking: no message by itself
P2P = SENDS | RECVS | POSTS
# timeline codes, beside analysis.STATES / ARROW_KINDS
STATE_P2P, STATE_LATE_SENDER, STATE_COLLECTIVE, STATE_COLLECTIVE_WAIT = 13, 14, 15, 16
STATE_NAMES = {
    STATE_P2P: "in an MPI send/receive",
    STATE_LATE_SENDER: "MPI: waiting for a late sender",
    STATE_COLLECTIVE: "in an MPI collective",
    STATE_COLLECTIVE_WAIT: "MPI: waiting at a collective for the last rank",
}
ARROW_MESSAGE = 5
MESSAGES_KEPT = 5000
_COMM = re.compile(r"^(?P<name>\S+) \[(?P<members>[\d,]*)\](?: cart=(?P<dims>[\dx]+))?"
                   r"(?: periods=(?P<periods>\d+))?")  # fmt: skip


def parse_comm(text: str) -> dict[str, Any]:
    """``"cart#1 [0,1,2,3] cart=2x2 periods=10"`` → name, members, dims, periods."""
    m = _COMM.match(text)
    if not m:
        return {"name": text, "members": []}
    out: dict[str, Any] = {
        "name": m["name"],
        "members": [int(x) for x in m["members"].split(",") if x],
    }
    if m["dims"]:
        out["dims"] = [int(x) for x in m["dims"].split("x")]
        out["periods"] = [c == "1" for c in m["periods"] or ""]
    return out


def calls(events: np.ndarray, strings: dict[int, str]) -> tuple[list[dict], dict, dict]:
    """Every completed MPI call, each rank's pid, and the communicators seen."""
    ids = {i: t[4:] for i, t in strings.items() if t.startswith("mpi.")}
    end_id = next((i for i, t in ids.items() if t == "end"), None)
    comm_id = next((i for i, t in ids.items() if t == "comm"), None)
    rank_of: dict[int, int] = {}
    comms: dict[int, dict[str, Any]] = {}
    open_: dict[tuple[int, int], list] = defaultdict(list)
    out: list[dict[str, Any]] = []
    mine = np.isin(events["kind"], list(ids))
    for row in events[mine]:
        kind, pid, tid = int(row["kind"]), int(row["pid"]), int(row["tid"])
        obj, arg, t = int(row["obj"]), int(row["arg"]), int(row["t_ns"])
        if kind == comm_id:
            comm = comms.setdefault(obj, parse_comm(strings.get(obj, "")))
            if comm["name"] == "COMM_WORLD":
                rank_of[pid] = arg
            comm.setdefault("coords_of", {})[pid] = arg
        elif kind == end_id:
            stack = open_.get((pid, tid))
            if stack:
                call = stack.pop()
                call["end"], (call["src"], call["got_tag"], call["got"]) = t, unpack(arg)
                out.append(call)
        else:
            peer, tag, size = unpack(arg)
            open_[(pid, tid)].append(
                {"call": ids[kind], "pid": pid, "tid": tid, "comm": obj, "peer": peer,
                 "tag": tag, "size": size, "start": t, "loc": int(row["loc"])}
            )  # fmt: skip
    for stack in open_.values():  # still inside when the run ended (a deadlock)
        for call in stack:
            call["end"], call["src"], call["got_tag"], call["got"] = None, None, None, -1
            out.append(call)
    for call in out:
        call["rank"] = rank_of.get(call["pid"], -1)
        members = comms.get(call["comm"], {}).get("members") or []
        call["peer_w"] = _world(members, call["peer"])
        call["src_w"] = _world(members, call["src"]) if call["src"] is not None else None
    return sorted(out, key=lambda c: c["start"]), rank_of, comms


def _world(members: list[int], r: int) -> int:
    return members[r] if 0 <= r < len(members) else r


def analyze(events: np.ndarray, strings: dict[int, str]) -> dict[str, Any] | None:
    """The MPI view of a trace: calls, messages, collectives, matrices and topologies."""
    found, rank_of, comms = calls(events, strings)
    if not rank_of:
        return None
    n = max(rank_of.values()) + 1
    messages = match(found)
    groups = collectives(found, comms)
    count, volume = np.zeros((n, n), np.int64), np.zeros((n, n), np.int64)
    for m in messages:
        if 0 <= m["from"] < n and 0 <= m["to"] < n:
            count[m["from"], m["to"]] += 1
            volume[m["from"], m["to"]] += max(m["bytes"], 0)
    coll_count, coll_volume = collective_traffic(groups, n)
    return {
        "ranks": n,
        "pids": {str(pid): r for pid, r in rank_of.items()},
        "calls": len(found),
        "messages": messages[:MESSAGES_KEPT],
        "messages_total": len(messages),
        "collectives": groups[:MESSAGES_KEPT],
        "matrix": {"messages": count.tolist(), "bytes": volume.tolist()},
        "collective_matrix": {"messages": coll_count.tolist(), "bytes": coll_volume.tolist()},
        "wait_states": wait_states(found, messages, groups, n),
        "topologies": topologies(comms, rank_of),
        "_calls": found,
    }


def match(found: list[dict]) -> list[dict[str, Any]]:
    """Sends paired with the receives that took them, with late sender / receiver labels."""
    sends: dict[tuple, deque] = defaultdict(deque)
    for c in found:
        if c["call"] in SENDS and c["peer_w"] >= 0:
            sends[(c["comm"], c["rank"], c["peer_w"], c["tag"])].append(c)
    receives = [c for c in found if c["call"] in RECVS and c["end"] is not None]
    messages = []
    for r in sorted(receives, key=lambda c: c["end"]):
        queue = sends.get((r["comm"], r["src_w"], r["rank"], r["got_tag"]))
        if not queue:
            continue
        s = queue.popleft()
        late = "late sender" if s["start"] > r["start"] else None
        if late is None and s["call"] in ("Send", "send", "Ssend", "ssend") and s["end"]:
            late = "late receiver" if s["end"] > r["start"] > s["start"] else None
        messages.append(
            {
                "from": s["rank"],
                "to": r["rank"],
                "tag": r["got_tag"],
                "bytes": r["got"] if r["got"] >= 0 else s["size"],
                "sent_ns": s["start"],
                "received_ns": r["end"],
                "send_call": s["call"],
                "recv_call": r["call"],
                "wait": late,
                "wait_ns": max(0, s["start"] - r["start"]) if late == "late sender" else 0,
                "_recv": r,
            }
        )
    return messages


def collectives(found: list[dict], comms: dict[int, dict]) -> list[dict[str, Any]]:
    """The k-th collective on a communicator, per rank, grouped across its members."""
    seq: dict[tuple[int, int], int] = defaultdict(int)
    groups: dict[tuple[int, int], dict[str, Any]] = {}
    for c in found:
        if c["call"] in P2P or c["call"].startswith("wait"):
            continue
        k = seq[(c["comm"], c["rank"])]
        seq[(c["comm"], c["rank"])] += 1
        g = groups.setdefault(
            (c["comm"], k),
            {"call": c["call"], "comm": comms.get(c["comm"], {}).get("name", "?"), "ranks": {}},
        )
        g["ranks"][c["rank"]] = c
        c["group"] = g
    out = []
    for g in groups.values():
        starts = [c["start"] for c in g["ranks"].values()]
        ends = [c["end"] for c in g["ranks"].values() if c["end"] is not None]
        last_in = max(starts)
        for c in g["ranks"].values():
            c["coll_wait"] = last_in - c["start"]
        out.append(
            {
                "call": g["call"],
                "comm": g["comm"],
                "root": next(iter(g["ranks"].values()))["peer"],
                "ranks": sorted(g["ranks"]),
                "start_ns": min(starts),
                "end_ns": max(ends) if ends else None,
                "last_arrival": max(g["ranks"], key=lambda r: g["ranks"][r]["start"]),
                "bytes": max(c["size"] for c in g["ranks"].values()),
                "members": comms.get(next(iter(g["ranks"].values()))["comm"], {}).get(
                    "members", []
                ),
            }
        )
    return sorted(out, key=lambda g: g["start_ns"])


FAN_OUT = {"bcast", "Bcast", "scatter", "Scatter"}
FAN_IN = {"gather", "Gather", "reduce", "Reduce"}
ALL = {"allgather", "Allgather", "alltoall", "Alltoall", "allreduce", "Allreduce"}


def collective_traffic(groups: list[dict], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The logical traffic of collectives (root → all, all → root, all → all), not the
    library's internal tree: what the program asked for."""
    count, volume = np.zeros((n, n), np.int64), np.zeros((n, n), np.int64)
    for g in groups:
        members = [m for m in g["members"] if m < n] or g["ranks"]
        root = members[g["root"]] if 0 <= g["root"] < len(members) else None
        pairs: list[tuple[int, int]] = []
        if g["call"] in FAN_OUT and root is not None:
            pairs = [(root, m) for m in members if m != root]
        elif g["call"] in FAN_IN and root is not None:
            pairs = [(m, root) for m in members if m != root]
        elif g["call"] in ALL:
            pairs = [(a, b) for a in members for b in members if a != b]
        split = g["call"] in ("alltoall", "Alltoall")  # one block of the buffer per rank
        share = max(g["bytes"], 0) // (len(members) if split else 1)
        for a, b in pairs:
            count[a, b] += 1
            volume[a, b] += share
    return count, volume


def wait_states(found, messages, groups, n) -> list[dict[str, Any]]:
    """Per rank: time in MPI calls, waiting for late senders, for late receivers, and at
    collectives for the last rank to arrive."""
    rows = [
        {"rank": r, "mpi_s": 0.0, "late_sender_s": 0.0, "late_receiver_s": 0.0,
         "collective_wait_s": 0.0}
        for r in range(n)
    ]  # fmt: skip
    for c in found:
        if 0 <= c["rank"] < n and c["end"] is not None:
            rows[c["rank"]]["mpi_s"] += (c["end"] - c["start"]) / 1e9
            rows[c["rank"]]["collective_wait_s"] += c.get("coll_wait", 0) / 1e9
    for m in messages:
        if m["wait"] == "late sender" and 0 <= m["to"] < n:
            rows[m["to"]]["late_sender_s"] += m["wait_ns"] / 1e9
        elif m["wait"] == "late receiver" and 0 <= m["from"] < n:
            rows[m["from"]]["late_receiver_s"] += (m["_recv"]["start"] - m["sent_ns"]) / 1e9
    for row in rows:
        for key in ("mpi_s", "late_sender_s", "late_receiver_s", "collective_wait_s"):
            row[key] = round(row[key], 6)
    return rows


def topologies(comms: dict[int, dict], rank_of: dict[int, int]) -> list[dict[str, Any]]:
    """Each Cartesian communicator: its grid and which world rank sits where."""
    out = []
    for comm in comms.values():
        if "dims" not in comm:
            continue
        cart_rank = {rank_of.get(pid, -1): r for pid, r in comm.get("coords_of", {}).items()}
        out.append(
            {
                "name": comm["name"],
                "dims": comm["dims"],
                "periods": comm["periods"],
                "members": comm["members"],
                "cart_rank": {str(w): r for w, r in cart_rank.items()},
            }
        )
    return out


def timeline_shapes(
    mpi: dict[str, Any],
    lanes: dict[tuple[int, int], int],
    t1: int,
    strings: dict[int, str],
) -> tuple[list[tuple], list[tuple]]:
    """Spans (lane, start, end, state, obj, loc) and message arrows for the timeline. A span's
    obj names the call ("Send to rank 1 · tag 7 · 8.0 KiB"), an arrow's the message's size:
    the labels are added to ``strings``."""
    ids = {text: i for i, text in strings.items()}
    next_id = [max(strings, default=0) + 1]

    def intern(text: str) -> int:
        found = ids.get(text)
        if found is None:
            found = ids[text] = next_id[0]
            strings[found] = text
            next_id[0] += 1
        return found

    spans, arrows = [], []
    for c in mpi["_calls"]:
        lane = lanes.get((c["pid"], c["tid"]))
        if lane is None:
            continue
        end = c["end"] if c["end"] is not None else t1
        state = STATE_P2P if c["call"] in P2P else STATE_COLLECTIVE
        label = intern(call_label(c))
        wait = c.get("coll_wait", 0)
        if state == STATE_COLLECTIVE and wait > 0:
            spans.append(
                (lane, c["start"], c["start"] + wait, STATE_COLLECTIVE_WAIT, label, c["loc"])
            )
            spans.append((lane, c["start"] + wait, end, state, label, c["loc"]))
        else:
            spans.append((lane, c["start"], end, state, label, c["loc"]))
    for m in mpi["messages"]:
        r = m["_recv"]
        lane_to = lanes.get((r["pid"], r["tid"]))
        lane_from = _lane_of_rank(lanes, mpi, m["from"])
        if lane_to is None or lane_from is None:
            continue
        if m["wait"] == "late sender":
            text = f"late sender: rank {m['from']} sent after this receive began"
            spans.append(
                (lane_to, r["start"], m["sent_ns"], STATE_LATE_SENDER, intern(text), r["loc"])
            )
        size = intern(human_bytes(m["bytes"]))
        arrows.append((ARROW_MESSAGE, m["sent_ns"], lane_from, m["received_ns"], lane_to, size))
    return spans, arrows


def human_bytes(n: int) -> str:
    if n < 0:
        return "? B"
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


def call_label(c: dict[str, Any]) -> str:
    """What a call was, in words: ``Send to rank 1 · tag 7 · 8.0 KiB``."""
    if c["call"] not in P2P:
        root = f" · root {c['peer']}" if c["peer"] >= 0 else ""
        return f"{c['call']}{root}"
    receiving = c["call"] in RECVS or c["call"] in ("irecv", "Irecv")
    peer = c["src_w"] if receiving and c.get("src_w") is not None else c["peer_w"]
    who = "any rank" if peer < 0 else f"rank {peer}"
    size = c["got"] if receiving and c.get("got", -1) >= 0 else c["size"]
    return (
        f"{c['call']} {'from' if receiving else 'to'} {who} · tag {c['tag']} · {human_bytes(size)}"
    )


def _lane_of_rank(lanes: dict[tuple[int, int], int], mpi: dict[str, Any], rank: int) -> int | None:
    for (pid, _tid), lane in sorted(lanes.items(), key=lambda kv: kv[1]):
        if mpi["pids"].get(str(pid)) == rank:
            return lane
    return None


def public(mpi: dict[str, Any]) -> dict[str, Any]:
    """The JSON-able part (for stats and ``--json``): private keys dropped, times relative."""
    out = {k: v for k, v in mpi.items() if not k.startswith("_")}
    out["messages"] = [
        {k: v for k, v in m.items() if not k.startswith("_")} for m in mpi["messages"]
    ]
    return out


def describe(mpi: dict[str, Any]) -> str:
    """The command line's lines for a traced MPI run: traffic and wait states per rank."""
    lines = [
        f"mpi: {mpi['ranks']} ranks, {mpi['calls']} calls, {mpi['messages_total']} messages, "
        f"{len(mpi['collectives'])} collectives"
    ]
    for row in mpi["wait_states"]:
        sent = sum(mpi["matrix"]["bytes"][row["rank"]])
        lines.append(
            f"  rank {row['rank']}: sent {human_bytes(sent)} point-to-point, in MPI "
            f"{row['mpi_s']:.4f} s (late sender {row['late_sender_s']:.4f}, late receiver "
            f"{row['late_receiver_s']:.4f}, at collectives {row['collective_wait_s']:.4f})"
        )
    return "\n".join(lines)


def rank_order(tl: Any) -> Any:
    """The timeline with the ranks' lanes first and in rank order (ranks start in any order,
    and lanes are made in order of first event); other lanes follow as they were."""
    import dataclasses

    def key(i: int) -> tuple[int, int]:
        m = re.fullmatch(r"rank (\d+)", str(tl.lanes[i]["name"]))
        return (0, int(m[1])) if m else (1, i)

    order = sorted(range(len(tl.lanes)), key=key)
    if order == list(range(len(order))):
        return tl
    new = np.empty(len(order), np.int64)
    new[order] = np.arange(len(order))
    spans, holds, arrows = tl.spans.copy(), tl.holds.copy(), tl.arrows.copy()
    spans["lane"] = new[spans["lane"]]
    holds["lane"] = new[holds["lane"]]
    arrows["lane_from"] = new[arrows["lane_from"]]
    arrows["lane_to"] = new[arrows["lane_to"]]
    lanes = [tl.lanes[i] for i in order]
    return dataclasses.replace(tl, lanes=lanes, spans=spans, holds=holds, arrows=arrows)
