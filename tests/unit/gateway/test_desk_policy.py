"""The desk's rules as pure functions: own claims and reports only, a held claim is a 409."""

from __future__ import annotations

import pytest

from couch_design_docs.models import Role
from couch_design_docs.names import DatabaseNames
from sync_gateway.access.policy import (
    Principal,
    overwrite_refusal,
    target_of,
    write_refusal,
)
from tests import factories as f

NAMES = DatabaseNames("p_")
DESK = target_of("p_relaypacs_desk", NAMES)
CLINIC = target_of("p_clinic_north", NAMES)
OSEI = Principal("osei", Role.radiologist)
MENSAH = Principal("mensah", Role.radiologist)
AMINA = Principal("amina", Role.clinician, "north")
SAM = Principal("sam", Role.admin)


@pytest.mark.parametrize(
    ("user", "doc", "allowed"),
    [
        (OSEI, f.claim(radiologist="osei"), True),
        (OSEI, f.claim(radiologist="mensah"), False),
        (OSEI, f.report(desk=True, author="osei", state="draft"), True),
        (OSEI, f.report(desk=True, author="osei", state="final"), True),
        (OSEI, f.report(desk=True, author="mensah"), False),
        (OSEI, f.claim(radiologist="osei", _deleted=True), False),
        (OSEI, f.worklist(), False),  # the bridge's
        (OSEI, f.status(), False),
        (AMINA, f.claim(radiologist="amina"), False),
        (SAM, f.claim(radiologist="sam"), False),
    ],
)
def test_desk_writes(user: Principal, doc: dict, allowed: bool) -> None:
    assert (write_refusal(user, DESK, doc) is None) is allowed


def test_radiologists_write_nothing_in_clinic_databases() -> None:
    refusal = write_refusal(OSEI, CLINIC, f.report(author="osei"))
    assert refusal is not None and "may not write" in refusal.reason


def test_a_held_claim_is_a_conflict_naming_its_holder() -> None:
    held = f.claim(radiologist="osei", claimed_at="2026-11-28T12:00:00Z")
    refusal = overwrite_refusal(MENSAH, held, "radiologist")
    assert refusal is not None and refusal.error == "conflict"
    assert refusal.reason == "claimed by osei at 2026-11-28T12:00:00Z"
    assert overwrite_refusal(OSEI, held, "radiologist") is None


def test_someone_elses_report_is_forbidden() -> None:
    refusal = overwrite_refusal(MENSAH, f.report(desk=True, author="osei"), "author")
    assert refusal is not None and refusal.error == "forbidden"
    assert "belongs to osei" in refusal.reason
