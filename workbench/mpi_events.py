"""How an MPI call's peer, tag and size fit in one event's ``arg`` (no MPI import here: the
analysis reads traces in processes that never load MPI)."""

UNKNOWN_SIZE = 0xFFFFFFFF  # a pickled send: its size is learnt from the matching receive
_PEER_BIAS = 4  # ANY_SOURCE, PROC_NULL and ROOT are small negatives


def pack(peer: int, tag: int, size: int) -> int:
    """``size`` (32 bits, saturated), ``peer`` (14 bits) and ``tag`` (16 bits) in one int64."""
    size = UNKNOWN_SIZE if size < 0 else min(size, UNKNOWN_SIZE - 1)
    tag = min(tag + _PEER_BIAS, 0xFFFF)
    return size | ((peer + _PEER_BIAS) & 0x3FFF) << 32 | tag << 46


def unpack(arg: int) -> tuple[int, int, int]:
    """``(peer, tag, size)``; size -1 when unknown."""
    size = arg & 0xFFFFFFFF
    return (
        ((arg >> 32) & 0x3FFF) - _PEER_BIAS,
        ((arg >> 46) & 0xFFFF) - _PEER_BIAS,
        -1 if size == UNKNOWN_SIZE else size,
    )
