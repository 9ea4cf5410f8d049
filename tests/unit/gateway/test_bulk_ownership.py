"""The ownership questions asked while a batch uploads: answers land on the right
documents, and a failed question stops the batch (nothing unasked may go on)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sync_gateway.access.policy import Refusal
from sync_gateway.proxy.bulk import Checked, Ownership


class Couch:
    """Stands in for UserDatabase.ownership_refusals: records the questions, refuses
    ``taken``, and fails on the question numbered ``fail_on``."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.questions: list[list[str]] = []
        self.fail_on = fail_on

    async def ownership_refusals(self, docs: list[dict[str, Any]]) -> dict[str, Refusal]:
        self.questions.append([d["_id"] for d in docs])
        await asyncio.sleep(0.05)
        if len(self.questions) == self.fail_on:
            raise ConnectionError("CouchDB went away")
        return {d["_id"]: Refusal("taken") for d in docs if d["_id"] == "taken"}


def checked(doc_id: str, refusal: Refusal | None = None) -> Checked:
    return Checked(b"{}", {"_id": doc_id}, refusal)


async def arrive(ownership: Ownership, docs: list[Checked]) -> None:
    loop = asyncio.get_running_loop()
    for doc in docs:
        future: asyncio.Future[Checked] = loop.create_future()
        future.add_done_callback(ownership.offer)
        future.set_result(doc)
        await asyncio.sleep(0.001)  # documents complete while a question is out


async def test_questions_batch_what_arrived_meanwhile_and_answers_land() -> None:
    couch = Couch()
    ownership = Ownership(couch)  # type: ignore[arg-type]
    docs = [checked("a"), checked("taken"), checked("b", Refusal("policy")), checked("c")]
    await arrive(ownership, docs)
    await ownership.settled()
    assert sorted(i for q in couch.questions for i in q) == ["a", "c", "taken"]
    assert len(couch.questions) < 3  # not one question per document
    assert [d.refusal.reason if d.refusal else None for d in docs] == [
        None,
        "taken",
        "policy",
        None,
    ]


async def test_a_failed_question_fails_the_batch() -> None:
    couch = Couch(fail_on=1)
    ownership = Ownership(couch)  # type: ignore[arg-type]
    await arrive(ownership, [checked("a"), checked("b"), checked("c")])
    with pytest.raises(ConnectionError):
        await ownership.settled()
    assert len(couch.questions) == 1  # nothing asked after the failure
