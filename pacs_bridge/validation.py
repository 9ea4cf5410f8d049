"""Is this file a DICOM instance the PACS can take, and is it the one the manifest names?

Checks, in order (PS3.10 §7.1 for the file format, PS3.5 §9.1 for UIDs):

1. the Part-10 header: 128-byte preamble, ``DICM``, file meta with transfer syntax and the
   media storage SOP class/instance UIDs;
2. the identifiers every instance needs: SOP class/instance, study and series instance UIDs,
   well formed;
3. the UIDs match the manifest (and the file meta matches the data set);
4. a transfer syntax we can decode, and the pixel data decodes, frame by frame.

The file is read with ``defer_size`` and frames are decoded one at a time with
``pydicom.pixels.iter_pixels``, so memory stays at one frame whatever the file size.
Runs in a worker thread (it is CPU work).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pydicom
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.pixels import iter_pixels
from pydicom.pixels.utils import get_expected_length
from pydicom.tag import Tag
from pydicom.uid import UID

from couch_design_docs.models import StudyFile
from pacs_bridge.errors import InvalidDicom, map_pydicom_errors

_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
DEFER_SIZE = "64 KB"


@dataclass(frozen=True)
class InstanceInfo:
    sop_class_uid: str
    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    transfer_syntax_uid: str
    frames: int


def _fail(file: StudyFile, message: str, detail: str, code: str) -> InvalidDicom:
    return InvalidDicom(message, detail, code=code, file_id=file.file_id, file_name=file.name)


def check_part10_header(path: Path, file: StudyFile) -> None:
    with path.open("rb") as fp:
        head = fp.read(132)
    if len(head) < 132 or head[128:132] != b"DICM":
        raise _fail(
            file,
            f"File {file.name} is not a DICOM file — check that the right file was picked.",
            f"no DICM prefix at offset 128 (read {len(head)} bytes)",
            "not_dicom",
        )


def validate_file(path: Path, file: StudyFile, *, decode_pixels: bool = True) -> InstanceInfo:
    """Validate one assembled file; raise :class:`InvalidDicom` with a reason if it is not."""
    check_part10_header(path, file)
    name = file.name
    with map_pydicom_errors(name):
        ds = pydicom.dcmread(path, defer_size=DEFER_SIZE)
        if _runs_past_end(ds, path, path.stat().st_size):
            raise _fail(
                file,
                f"File {name} is cut short — export it again.",
                "an element's value runs past the end of the file",
                "truncated",
            )
        last_tag = max(ds.keys(), default=0)
        meta = ds.file_meta
        missing_meta = [
            keyword
            for keyword in (
                "TransferSyntaxUID",
                "MediaStorageSOPClassUID",
                "MediaStorageSOPInstanceUID",
            )
            if not meta.get(keyword)
        ]
        if missing_meta:
            raise _fail(
                file,
                f"File {name} has an incomplete DICOM header — export it again.",
                f"file meta lacks {', '.join(missing_meta)}",
                "bad_file_meta",
            )
        values: dict[str, str] = {}
        for keyword in ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"):
            value = str(ds.get(keyword) or "").strip()
            if not value and "PixelData" not in ds and last_tag < tag_for_keyword(keyword):
                raise _fail(
                    file,
                    f"File {name} is cut short — export it again.",
                    f"the data set ends at {Tag(last_tag)} before {keyword}",
                    "truncated",
                )
            if not value:
                raise _fail(
                    file,
                    f"File {name} lacks a required identifier ({keyword}) — export it again.",
                    f"{keyword} missing or empty",
                    "missing_identifier",
                )
            if not _UID.match(value) or len(value) > 64:
                raise _fail(
                    file,
                    f"File {name} has a malformed identifier ({keyword}) — export it again.",
                    f"{keyword}={value!r} is not a valid UID (PS3.5 §9.1)",
                    "malformed_uid",
                )
            values[keyword] = value
        expected = {
            "SOPInstanceUID": file.sop_instance_uid,
            "SeriesInstanceUID": file.series_instance_uid,
            "StudyInstanceUID": file.study_instance_uid,
        }
        mismatched = [k for k, v in expected.items() if values[k] != v]
        if str(meta.MediaStorageSOPInstanceUID) != values["SOPInstanceUID"]:
            mismatched.append("MediaStorageSOPInstanceUID")
        if mismatched:
            raise _fail(
                file,
                f"File {name} is not the image the study list describes — "
                "seal the study again from the original files.",
                "; ".join(
                    f"{k}: file has {values.get(k, meta.get('MediaStorageSOPInstanceUID'))!s}, "
                    f"manifest has {expected.get(k, values['SOPInstanceUID'])}"
                    for k in mismatched
                ),
                "uid_mismatch",
            )
        transfer_syntax = UID(str(meta.TransferSyntaxUID))
        if not transfer_syntax.is_transfer_syntax:
            raise _fail(
                file,
                f"File {name} uses an encoding the archive does not know — "
                "export it again as standard DICOM.",
                f"unknown transfer syntax {transfer_syntax}",
                "unknown_transfer_syntax",
            )
        frames = 0
        has_pixels = any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))
        if not has_pixels and "Image Storage" in UID(values["SOPClassUID"]).name:
            raise _fail(
                file,
                f"File {name} is cut short (it has no image) — export it again.",
                f"{UID(values['SOPClassUID']).name} without Pixel Data; data set ends at "
                f"{Tag(last_tag)}",
                "truncated",
            )
        if "PixelData" in ds or "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
            frames = int(ds.get("NumberOfFrames") or 1)
            if decode_pixels and _is_native(transfer_syntax) and "PixelData" in ds:
                _check_native_length(ds, file, transfer_syntax)
            elif decode_pixels:
                decoded = 0
                try:
                    # a deflated data set is inflated in memory anyway: decode from it
                    source = ds if transfer_syntax.is_deflated else path
                    for _frame in iter_pixels(source):
                        decoded += 1
                except BaseException as exc:
                    if isinstance(exc, KeyboardInterrupt | SystemExit):
                        raise
                    raise _undecodable(file, transfer_syntax, exc) from exc
                if decoded < frames:
                    raise _fail(
                        file,
                        f"File {name} is cut short — export it again.",
                        f"{decoded} of {frames} frames decoded",
                        "truncated",
                    )
    return InstanceInfo(
        sop_class_uid=values["SOPClassUID"],
        sop_instance_uid=values["SOPInstanceUID"],
        series_instance_uid=values["SeriesInstanceUID"],
        study_instance_uid=values["StudyInstanceUID"],
        transfer_syntax_uid=str(transfer_syntax),
        frames=frames,
    )


def _is_native(transfer_syntax: UID) -> bool:
    return not transfer_syntax.is_compressed and not transfer_syntax.is_deflated


def _check_native_length(ds: Dataset, file: StudyFile, transfer_syntax: UID) -> None:
    """Uncompressed pixel data "decodes" when its length is what the image attributes say
    (PS3.5 §8.1.1); checked without reading the pixels, so a big file costs nothing."""
    raw = ds.get_item(0x7FE00010)
    length = getattr(raw, "length", None)
    if length is None:  # already converted: the value is loaded
        length = len(raw.value or b"")
    try:
        expected = int(get_expected_length(ds, unit="bytes"))
    except Exception as exc:  # missing Rows/Columns/BitsAllocated...
        raise _undecodable(file, transfer_syntax, exc) from exc
    if length < expected:
        raise _fail(
            file,
            f"File {file.name} is cut short — export it again.",
            f"Pixel Data has {length} bytes, the image attributes need {expected}",
            "truncated",
        )


def _runs_past_end(ds: Dataset, path: Path, size: int) -> bool:
    """True if a top-level element claims more bytes than the file has (PS3.5 §7.1), or
    encapsulated pixel data has no sequence delimiter before the end (PS3.5 §A.4)."""
    for tag in ds.keys():  # noqa: SIM118 - iterating a Dataset converts raw elements
        raw = ds.get_item(tag)
        tell = getattr(raw, "value_tell", None)
        length = getattr(raw, "length", None)
        if tell is None or length is None:
            continue
        if length != 0xFFFFFFFF:
            if tell + length > size:
                return True
        elif tag == 0x7FE00010 and not _fragments_complete(path, tell, size):
            return True
    return False


def _fragments_complete(path: Path, offset: int, size: int) -> bool:
    """Walk the items of encapsulated pixel data (8-byte headers only) to its delimiter."""
    with path.open("rb") as fp:
        fp.seek(offset)
        while True:
            header = fp.read(8)
            if len(header) < 8:
                return False
            group, element, length = struct.unpack("<HHL", header)
            if (group, element) == (0xFFFE, 0xE0DD):
                return True
            if (group, element) != (0xFFFE, 0xE000) or length == 0xFFFFFFFF:
                return False
            if fp.tell() + length > size:
                return False
            fp.seek(length, 1)


def _undecodable(file: StudyFile, transfer_syntax: UID, exc: BaseException) -> InvalidDicom:
    text = str(exc).lower()
    if (
        isinstance(exc, EOFError)
        or "truncat" in text
        or "shorter than" in text
        or ("expected" in text and "length" in text)
    ):
        return _fail(
            file,
            f"File {file.name} is cut short — export it again.",
            f"pixel data: {type(exc).__name__}: {exc}",
            "truncated",
        )
    return _fail(
        file,
        f"The image in file {file.name} cannot be decoded — export it again "
        "(preferably uncompressed).",
        f"transfer syntax {transfer_syntax} ({transfer_syntax.name}): {type(exc).__name__}: {exc}"[
            :4000
        ],
        "undecodable_pixels",
    )
