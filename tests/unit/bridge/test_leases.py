"""Rendezvous hashing spreads clinics over workers and moves few when one joins or leaves."""

from __future__ import annotations

from collections import Counter

from pacs_bridge.leases import preferred

CLINICS = [f"clinic{i:03d}" for i in range(300)]


def test_every_worker_gets_a_fair_share():
    counts = Counter(preferred(c, {"a", "b", "c"}) for c in CLINICS)
    assert set(counts) == {"a", "b", "c"}
    assert all(70 <= n <= 130 for n in counts.values()), counts


def test_a_worker_leaving_moves_only_its_clinics():
    before = {c: preferred(c, {"a", "b", "c"}) for c in CLINICS}
    after = {c: preferred(c, {"a", "b"}) for c in CLINICS}
    moved = [c for c in CLINICS if before[c] != after[c]]
    assert all(before[c] == "c" for c in moved)
    assert len(moved) == sum(1 for c in CLINICS if before[c] == "c")


def test_same_answer_everywhere():
    assert preferred("north", {"w1", "w2"}) == preferred("north", {"w2", "w1"})
