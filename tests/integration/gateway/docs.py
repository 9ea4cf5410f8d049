"""Valid study and chunk documents for one clinic and author (built on tests.factories)."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from couch_design_docs import names as ids
from tests import factories as f


def study(clinic: str, author: str, study_id: str = f.STUDY_ID, **over: Any) -> dict[str, Any]:
    return f.study(clinic, _id=ids.study_doc_id(study_id), study_id=study_id, author=author, **over)


def chunk(
    clinic: str,
    author: str,
    index: int = 0,
    data: bytes | None = None,
    study_id: str = f.STUDY_ID,
    **over: Any,
) -> dict[str, Any]:
    data = data if data is not None else os.urandom(1024) + bytes([index % 256])
    doc = f.chunk(
        clinic,
        data=data,
        author=author,
        study_id=study_id,
        index=index,
        _id=ids.chunk_doc_id(study_id, f.SHA, index),
    )
    doc.update(over)
    return doc


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
