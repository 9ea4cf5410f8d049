"""Give the space back: once a file is archived and delivered, its chunks leave CouchDB.

Chunk documents are deleted in bulk (their attachments go with the next compaction, which
the scheduler runs for every database that lost chunks).  The PWA frees its own copy when
it sees the ``delivered`` status and the deletions replicate.
"""

from __future__ import annotations

from couch_design_docs.names import chunk_prefix
from pacs_bridge.errors import map_couch_errors
from relaypacs.couch import Database

BATCH = 200


async def delete_chunks(db: Database, study_id: str, file_ids: list[str]) -> int:
    """Delete the chunk documents of ``file_ids``; return how many were deleted."""
    deleted = 0
    for file_id in file_ids:
        with map_couch_errors():
            rows = await db.ids_with_prefix(chunk_prefix(study_id, file_id))
        for start in range(0, len(rows), BATCH):
            batch = [
                {"_id": row["id"], "_rev": row["value"]["rev"], "_deleted": True}
                for row in rows[start : start + BATCH]
                if not row.get("value", {}).get("deleted")
            ]
            if not batch:
                continue
            with map_couch_errors():
                results = await db.bulk_docs(batch)
            deleted += sum(1 for r in results if r.get("ok"))
    return deleted
