"""pydicom's own test files, across transfer syntaxes, go through validation to the PACS."""

from __future__ import annotations

import hashlib

import pydicom
import pytest

from tests.integration.bridge.conftest import (
    FINAL,
    OrthancClient,
    World,
    build_study,
    dicom_bytes,
    new_study_uids,
    running_bridge,
    spec,
    upload_and_seal,
    wait_status,
)

pytestmark = pytest.mark.integration

SOURCES = {
    "CT_small.dcm": "1.2.840.10008.1.2.1",  # explicit VR little endian
    "MR_small_implicit.dcm": "1.2.840.10008.1.2",  # implicit VR little endian
    "MR_small_bigendian.dcm": "1.2.840.10008.1.2.2",  # explicit VR big endian
    "image_dfl.dcm": "1.2.840.10008.1.2.1.99",  # deflated
    "MR_small_RLE.dcm": "1.2.840.10008.1.2.5",  # RLE lossless
    "SC_rgb_jpeg_dcmtk.dcm": "1.2.840.10008.1.2.4.50",  # JPEG baseline
    "SC_rgb_jpeg_gdcm.dcm": "1.2.840.10008.1.2.4.70",  # JPEG lossless SV1
    "MR_small_jpeg_ls_lossless.dcm": "1.2.840.10008.1.2.4.80",  # JPEG-LS lossless
    "MR_small_jp2klossless.dcm": "1.2.840.10008.1.2.4.90",  # JPEG 2000 lossless
    "JPEG2000.dcm": "1.2.840.10008.1.2.4.91",  # JPEG 2000
}


async def test_transfer_syntaxes_are_delivered(world: World, pacs: OrthancClient):
    study_uid, series_uid, _ = new_study_uids()
    files = []
    for number, (source, syntax) in enumerate(SOURCES.items()):
        data = dicom_bytes(
            source, study_uid=study_uid, series_uid=series_uid, instance_number=number + 1
        )
        ds = pydicom.dcmread(pydicom.filebase.DicomBytesIO(data), stop_before_pixels=True)
        assert ds.file_meta.TransferSyntaxUID == syntax, source
        files.append(spec(source, data))
    study = build_study(files, chunk_size=64 * 1024)
    async with running_bridge(world.settings):
        await upload_and_seal(world.clinic_db, study)
        status = await wait_status(world.clinic_db, study.study_id, FINAL)
    assert status["state"] == "delivered", status["errors"]
    held = await pacs.files_by_sop(study_uid)
    assert {uid: hashlib.sha256(data).hexdigest() for uid, data in held.items()} == {
        file.sop_uid: file.sha256 for file in files
    }
