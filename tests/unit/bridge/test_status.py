"""Status transitions: forward only, final states from files and destinations."""

from __future__ import annotations

from couch_design_docs.models import DestinationStatus, Status, StatusError, StatusState, Study
from pacs_bridge import status as st
from tests import factories as f

T0, T1, T2 = "2026-11-28T12:00:00Z", "2026-11-28T12:00:01Z", "2026-11-28T12:00:02Z"


def study(n: int = 2) -> Study:
    base = f.study()
    files = []
    for i in range(n):
        sha = f"{i:064x}"
        files.append({**base["files"][0], "file_id": sha, "sha256": sha,
                      "name": f"IM{i}.dcm", "sop_instance_uid": f"1.2.3.{i}"})  # fmt: skip
    return Study.model_validate({**base, "files": files, "_rev": "1-a"})


def test_new_status_is_received_with_pending_files():
    status = st.new_status(study(), T0)
    assert status.state == "received"
    assert [h.state for h in status.history] == ["received"]
    assert {fs.state for fs in status.files.values()} == {"pending"}
    Status.model_validate(status.to_doc())  # fits the contract


def test_advance_is_forward_only():
    status = st.new_status(study(), T0)
    assert st.advance(status, StatusState.assembling, T1)
    assert not st.advance(status, StatusState.assembling, T1)
    assert st.advance(status, StatusState.delivering, T1)
    assert not st.advance(status, StatusState.validating, T2)  # never backwards
    assert st.advance(status, StatusState.partial, T2)
    assert st.advance(status, StatusState.delivered, T2)  # a later retry completes it
    assert not st.advance(status, StatusState.stored, T2)
    assert [h.state for h in status.history] == [
        "received", "assembling", "delivering", "partial", "delivered"
    ]  # fmt: skip


def test_restart_after_a_changed_manifest():
    s = study(2)
    status = st.new_status(s, T0)
    st.advance(status, StatusState.failed, T1)
    bigger = study(3)
    assert st.manifest_changed(status, bigger)
    st.restart(status, bigger, T2)
    assert status.state == "received"
    assert len(status.files) == 3
    assert [h.state for h in status.history] == ["received", "failed", "received"]


def test_restart_drops_the_errors_of_a_replaced_file():
    s = study(2)
    status = st.new_status(s, T0)
    bad = s.files[1].file_id
    st.set_error(status, StatusError(code="truncated", message="cut short", file_id=bad))
    st.set_error(status, StatusError(code="pacs_down", message="down", destination="orthanc"))
    st.advance(status, StatusState.failed, T1)
    reexported = s.model_copy(deep=True)
    reexported.files[1] = reexported.files[1].model_copy(
        update={"file_id": "f" * 64, "sha256": "f" * 64}
    )
    st.restart(status, reexported, T2)
    assert bad not in status.files
    assert [e.code for e in status.errors] == ["pacs_down"]


def _with(status: Status, **dests: DestinationStatus) -> Status:
    status.destinations = dict(dests)
    return status


def test_final_state():
    s = study(2)
    uids = [f.sop_instance_uid for f in s.files]
    status = st.new_status(s, T0)
    for fs in status.files.values():
        fs.state = "stored"
    everything = DestinationStatus(state="delivered", delivered=uids)
    half = DestinationStatus(state="partial", delivered=uids[:1])
    present = DestinationStatus(state="delivered", already_present=uids)
    nothing = DestinationStatus(state="failed")
    assert st.final_state(_with(status, a=everything), ["a"]) == StatusState.delivered
    assert st.final_state(_with(status, a=present), ["a"]) == StatusState.delivered
    assert st.final_state(_with(status, a=everything, b=half), ["a", "b"]) == "partial"
    assert st.final_state(_with(status, a=nothing), ["a"]) == StatusState.failed
    assert st.final_state(_with(status, a=everything), []) == StatusState.failed
    list(status.files.values())[1].state = "failed"
    assert st.final_state(_with(status, a=half), ["a"]) == StatusState.partial


def test_errors_are_replaced_per_file_and_destination():
    status = st.new_status(study(), T0)
    st.set_error(status, StatusError(code="a", message="m1", file_id="0" * 64))
    st.set_error(status, StatusError(code="b", message="m2", file_id="0" * 64))
    st.set_error(status, StatusError(code="c", message="m3", destination="pacs"))
    assert [e.code for e in status.errors] == ["b", "c"]
    st.clear_errors(status, destination="pacs")
    assert [e.code for e in status.errors] == ["b"]
    st.clear_errors(status, file_id="0" * 64)
    assert status.errors == []
