"""Speedup arithmetic against values worked out by hand."""

import pytest

from workbench import stats


def test_amdahl_fit_recovers_a_known_serial_fraction():
    workers = [1, 2, 4, 8]
    speedups = [stats.amdahl(0.1, p) for p in workers]
    s, r2 = stats.fit_amdahl(workers, speedups)
    assert s == pytest.approx(0.1)
    assert r2 == pytest.approx(1.0)


def test_amdahl_limits():
    assert stats.amdahl(0.1, 10**9) == pytest.approx(10, rel=1e-6)  # not 9 as the book says
    assert stats.amdahl(0.0, 4) == 4
    assert stats.amdahl(1.0, 4) == 1


def test_karp_flatt_matches_the_serial_fraction_for_amdahl_data():
    for p in (2, 4, 8):
        assert stats.karp_flatt(stats.amdahl(0.25, p), p) == pytest.approx(0.25)
    assert stats.karp_flatt(1.0, 1) is None


def test_fit_is_clamped_and_needs_more_than_one_worker():
    assert stats.fit_amdahl([1], [1.0]) is None
    s, _ = stats.fit_amdahl([1, 2, 4], [1.0, 2.5, 5.0])  # superlinear
    assert s == 0.0


def test_noisy_points_are_flagged_above_five_percent():
    assert not stats.Point(2, (1.0, 1.01, 0.99)).noisy
    assert stats.Point(2, (1.0, 1.3, 0.8)).noisy
    assert stats.Point(2, (1.0,)).cv == 0.0
