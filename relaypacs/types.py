"""Names used everywhere, named once (as ``starlette/types.py`` names Scope/Receive/Send)."""

from typing import Any, TypeAlias

DocId: TypeAlias = str
Rev: TypeAlias = str
# CouchDB 3 sequences are opaque strings, PouchDB Server's are integers: store them as given.
Seq: TypeAlias = str | int
Doc: TypeAlias = dict[str, Any]
