"""The bridge's settings: :class:`CoreSettings` plus what the daemon alone needs.

Every field is read from a ``RELAYPACS_`` environment variable (``object_store`` from
``RELAYPACS_OBJECT_STORE``, and so on); the README lists them.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from relaypacs.settings import CoreSettings


class BridgeSettings(CoreSettings):
    # -- object store ----------------------------------------------------------------------
    object_store: Literal["local", "s3"] = "local"
    store_dir: Path | None = None  # local store; default <data_dir>/objects
    s3_endpoint_url: str | None = None  # None = AWS; MinIO/moto: http://host:port
    s3_bucket: str = "relaypacs"
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    s3_create_bucket: bool = True

    # -- work ------------------------------------------------------------------------------
    work_dir: Path | None = None  # temp files of assembled instances; default <data_dir>/bridge-tmp
    study_concurrency: int = 2  # studies worked on at once
    file_concurrency: int = 8  # files of one study assembled/validated/stored at once
    validate_pixels: bool = True  # decode every frame of pixel data during validation

    # -- delivery --------------------------------------------------------------------------
    stow_batch_size: int = 20
    stow_concurrency: int = 4  # batches in flight per study
    stow_timeout: float = 120.0  # seconds to wait for a PACS's answer to one batch
    retry_base: float = 5.0  # first retry delay, seconds; doubles each attempt
    retry_max: float = 900.0  # cap of one delay, seconds
    verify_at_pacs: bool = True  # integrity receipt: compare each file's MD5 at an Orthanc
    give_up_after: float = 86_400.0  # seconds of retryable failures before the study fails
    chunk_wait_timeout: float = 7 * 86_400.0  # seconds a sealed study may wait for chunks

    # -- several workers: each clinic is followed by the one holding its lease -------------
    worker_id: str = Field(default_factory=socket.gethostname)  # stable across restarts
    lease_ttl: float = 30.0  # seconds; a dead worker's clinics move on after this

    # -- loops -----------------------------------------------------------------------------
    sweep_interval: float = 60.0  # re-examine waiting/retrying jobs (safety net), seconds
    compact_interval: float = 300.0  # compact clinic databases that lost chunks, seconds
    checkpoint_interval: float = 1.0  # most seconds between checkpoint writes of a feed
    heartbeat_ms: int = 10_000  # changes feed heartbeat
    health_interval: float = 5.0  # health:<worker> report and admin retry requests, seconds

    # -- links -----------------------------------------------------------------------------
    # worklist link, e.g. https://pacs/viewer?StudyInstanceUIDs={study_uid}; a destination's
    # own viewer_url_template wins
    viewer_url_template: str | None = None
    # link in notifications, e.g. https://relay.example/#/studies/{study_id}
    app_url: str | None = None

    # -- Web Push (same variables as the gateway's; push is off without a private key) -----
    vapid_private_key: SecretStr | None = None
    vapid_subject: str = "mailto:ops@relaypacs.invalid"

    @property
    def store_path(self) -> Path:
        return self.store_dir or (self.data_dir / "objects")

    @property
    def work_path(self) -> Path:
        return self.work_dir or (self.data_dir / "bridge-tmp")
