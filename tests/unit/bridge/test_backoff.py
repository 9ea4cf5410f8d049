"""Retry timing: exponential backoff with jitter, capped; give-up deadlines."""

from __future__ import annotations

import random
from datetime import timedelta

from couch_design_docs.timestamps import parse_timestamp, to_timestamp, utcnow
from pacs_bridge.state import Job
from pacs_bridge.worker import backoff_delay, give_up_at


def test_backoff_grows_and_is_capped_with_jitter():
    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng) for n in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        exp = min(60.0, 2 ** (attempt - 1))
        assert exp / 2 <= delay <= exp
    assert max(delays) <= 60.0
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered


def test_give_up_deadline_depends_on_why_we_wait():
    now = utcnow()
    job = Job(
        clinic="north",
        study_id="s1234567",
        created_at=to_timestamp(now),
        updated_at=to_timestamp(now),
    )
    assert give_up_at(job, 10, 100) is None
    job.problem_since = to_timestamp(now)
    assert give_up_at(job, 10, 100) == parse_timestamp(to_timestamp(now)) + timedelta(seconds=10)
    job.waiting_for_chunks = True
    assert give_up_at(job, 10, 100) == parse_timestamp(to_timestamp(now)) + timedelta(seconds=100)
