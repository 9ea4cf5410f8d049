"""DICOM validation on pydicom's bundled files (no servers needed)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from couch_design_docs.models import StudyFile
from pacs_bridge.errors import InvalidDicom
from pacs_bridge.validation import validate_file


def manifest_entry(data: bytes, name: str = "IM1.dcm", **over: str) -> StudyFile:
    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)
    sha = hashlib.sha256(data).hexdigest()
    values = {
        "file_id": sha,
        "name": name,
        "size": len(data),
        "sha256": sha,
        "chunk_count": 1,
        "sop_instance_uid": str(ds.get("SOPInstanceUID", "1.2")),
        "series_instance_uid": str(ds.get("SeriesInstanceUID", "1.2")),
        "study_instance_uid": str(ds.get("StudyInstanceUID", "1.2")),
    }
    values.update(over)
    return StudyFile(**values)


def check(tmp_path: Path, data: bytes, **over: str):
    path = tmp_path / "f.dcm"
    path.write_bytes(data)
    return validate_file(path, manifest_entry(data, **over))


@pytest.mark.parametrize(
    "source",
    [
        "CT_small.dcm",
        "MR_small_implicit.dcm",
        "MR_small_bigendian.dcm",
        "image_dfl.dcm",
        "MR_small_RLE.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "SC_rgb_jpeg_gdcm.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_jp2klossless.dcm",
        "JPEG2000.dcm",
        "SC_rgb_rle_2frame.dcm",
    ],
)
def test_valid_files(tmp_path: Path, source: str):
    data = Path(get_testdata_file(source)).read_bytes()
    info = check(tmp_path, data)
    assert info.frames >= 1


def reason(tmp_path: Path, data: bytes, **over: str) -> InvalidDicom:
    with pytest.raises(InvalidDicom) as caught:
        check(tmp_path, data, **over)
    return caught.value


def test_not_dicom(tmp_path: Path):
    error = reason(tmp_path, b"hello world" * 100, name="notes.txt")
    assert error.code == "not_dicom"
    assert "notes.txt is not a DICOM file" in error.message


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9, 0.99])
def test_truncated(tmp_path: Path, fraction: float):
    data = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    full = manifest_entry(data)
    cut = data[: int(len(data) * fraction)]
    error = reason(
        tmp_path,
        cut,
        name="IM0017.dcm",
        sop_instance_uid=full.sop_instance_uid,
        series_instance_uid=full.series_instance_uid,
        study_instance_uid=full.study_instance_uid,
    )
    assert error.code == "truncated"
    assert error.message == "File IM0017.dcm is cut short — export it again."


def test_uid_mismatch(tmp_path: Path):
    data = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    error = reason(tmp_path, data, sop_instance_uid="1.2.3.4")
    assert error.code == "uid_mismatch"
    assert "1.2.3.4" in error.detail


def test_undecodable_pixels(tmp_path: Path):
    data = Path(get_testdata_file("JPEG-lossy.dcm")).read_bytes()
    error = reason(tmp_path, data)
    assert error.code == "undecodable_pixels"
    assert "1.2.840.10008.1.2.4.51" in error.detail


def test_missing_file_meta(tmp_path: Path):
    data = Path(get_testdata_file("meta_missing_tsyntax.dcm")).read_bytes()
    assert reason(tmp_path, data).code in ("bad_file_meta", "missing_identifier")
