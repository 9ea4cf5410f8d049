"""Destination secrets survive an edit from the admin page, which never sees them."""

from sync_gateway.accounts.service import keep_secrets

STORED = [
    {"name": "orthanc", "stow_url": "http://o/dicom-web", "auth": "basic", "username": "u",
     "secret": "s3cret"},
    {"name": "dcm4chee", "stow_url": "http://d/rs", "auth": "bearer", "secret": "tok"},
]  # fmt: skip


def test_resent_destination_without_secret_keeps_the_stored_one():
    incoming = [{"name": "orthanc", "stow_url": "http://o2/dicom-web", "auth": "basic",
                 "username": "u"}]  # fmt: skip
    assert keep_secrets(STORED, incoming)[0]["secret"] == "s3cret"


def test_a_new_secret_replaces_the_stored_one():
    incoming = [{"name": "orthanc", "stow_url": "x", "auth": "basic", "secret": "new"}]
    assert keep_secrets(STORED, incoming)[0]["secret"] == "new"


def test_changing_the_auth_kind_or_dropping_auth_drops_the_secret():
    assert "secret" not in keep_secrets(STORED, [{"name": "orthanc", "auth": "none"}])[0]
    assert "secret" not in keep_secrets(STORED, [{"name": "orthanc", "auth": "bearer"}])[0]


def test_a_removed_destination_is_removed_and_a_new_one_has_no_secret():
    merged = keep_secrets(STORED, [{"name": "new-pacs", "auth": "basic", "username": "x"}])
    assert merged == [{"name": "new-pacs", "auth": "basic", "username": "x"}]
