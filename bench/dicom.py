"""CT studies for the benchmarks: many ~0.5 MB instances, as a scanner exports them.

Made from pydicom's bundled ``CT_small.dcm`` with a 512 x 512 image and new UIDs, so each
file is what a CT slice is (header + 512 KiB of 16-bit pixels) and a study of any size is
a count of them.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

UID_ROOT = "1.2.826.0.1.3680043.8.498."
SIDE = 512
INSTANCE_BYTES = 2 * SIDE * SIDE + 2000  # pixels + header, about


def count_for(total_bytes: float) -> int:
    """How many instances make a study of about ``total_bytes``."""
    return max(1, int(total_bytes / INSTANCE_BYTES))


def generate(directory: Path, count: int) -> tuple[str, list[dict[str, Any]]]:
    """Write ``count`` CT instances of one study (4 series) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    template = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    template.Rows = template.Columns = SIDE
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 2000, (SIDE, SIDE), dtype=np.uint16).tobytes()
    template.PixelData = pixels
    study_uid = generate_uid(prefix=UID_ROOT)
    series = [generate_uid(prefix=UID_ROOT) for _ in range(4)]
    files = []
    for i in range(count):
        ds = template.copy()
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series[i % len(series)]
        ds.SOPInstanceUID = generate_uid(prefix=UID_ROOT)
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = i + 1
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        data = buffer.getvalue()
        path = directory / f"IM{i + 1:05d}.dcm"
        path.write_bytes(data)
        files.append(
            {
                "path": path,
                "name": path.name,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "sop": str(ds.SOPInstanceUID),
                "series": str(ds.SeriesInstanceUID),
                "study": study_uid,
            }
        )
    return study_uid, files
