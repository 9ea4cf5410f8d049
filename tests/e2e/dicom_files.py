"""Small real DICOM studies for the browser tests, made from pydicom's bundled CT_small.dcm.

Every call makes new Study/Series/SOP Instance UIDs, so a study never collides with one an
earlier run left in the session's Orthanc (which keeps the first copy of a re-sent UID).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid


@dataclass
class Instance:
    path: Path
    sop_instance_uid: str
    series_instance_uid: str


@dataclass
class GeneratedStudy:
    study_instance_uid: str
    patient_name: str  # DICOM PN, e.g. "E2E^Amina"
    patient_id: str
    instances: list[Instance] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [i.path for i in self.instances]

    def series_counts(self) -> list[int]:
        counts: dict[str, int] = {}
        for i in self.instances:
            counts[i.series_instance_uid] = counts.get(i.series_instance_uid, 0) + 1
        return list(counts.values())


def _template() -> pydicom.Dataset:
    return pydicom.dcmread(get_testdata_file("CT_small.dcm"))


def make_study(
    directory: Path,
    series_sizes: tuple[int, ...] = (3, 2),
    *,
    patient_name: str = "E2E^Amina",
    patient_id: str | None = None,
    prefix: str = "ct",
    matrix: int | None = None,
) -> GeneratedStudy:
    """One CT study with ``len(series_sizes)`` series of that many instances each.

    ``matrix`` (e.g. 1024) makes each image that many pixels square with random 16-bit
    values, so a file spans several ~1 MiB chunks; otherwise the 128x128 template image.
    """
    directory.mkdir(parents=True, exist_ok=True)
    study_uid = generate_uid()
    study = GeneratedStudy(study_uid, patient_name, patient_id or f"E2E-{study_uid[-8:]}")
    for s, size in enumerate(series_sizes, start=1):
        series_uid = generate_uid()
        for n in range(1, size + 1):
            ds = _template()
            sop_uid = generate_uid()
            ds.StudyInstanceUID = study_uid
            ds.SeriesInstanceUID = series_uid
            ds.SOPInstanceUID = sop_uid
            ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
            ds.SeriesNumber = s
            ds.SeriesDescription = f"e2e series {s}"
            ds.InstanceNumber = n
            ds.PatientName = patient_name
            ds.PatientID = study.patient_id
            ds.StudyDescription = "e2e abdomen"
            if matrix:
                ds.Rows = ds.Columns = matrix
                ds.PixelData = os.urandom(matrix * matrix * 2)
            path = directory / f"{prefix}-s{s}-i{n}.dcm"
            ds.save_as(path, enforce_file_format=True)
            study.instances.append(Instance(path, sop_uid, series_uid))
    return study


def make_short_pixel_study(directory: Path, *, patient_name: str = "E2E^Short") -> GeneratedStudy:
    """One instance whose Pixel Data holds half the bytes its Rows/Columns need.

    The file is well formed byte for byte (every element's length matches what follows), so
    the browser's header check accepts it, but the image is cut short: the bridge must turn
    it away with a reason the clinician can read.
    """
    study = make_study(directory, (1,), patient_name=patient_name, prefix="short")
    cut_pixel_data(study.instances[0].path)
    return study


def cut_pixel_data(path: Path) -> None:
    """Rewrite ``path`` with half its Pixel Data (see :func:`make_short_pixel_study`)."""
    ds = pydicom.dcmread(path)
    half = len(ds.PixelData) // 2
    ds.PixelData = ds.PixelData[: half - half % 2]
    ds.save_as(path, enforce_file_format=True)


def truncate(path: Path, out: Path, keep: float = 0.6) -> Path:
    """A copy of ``path`` with only its first ``keep`` share of bytes (a cut-short export)."""
    data = path.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out
