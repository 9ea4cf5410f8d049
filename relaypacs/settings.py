"""Settings shared by every RelayPACS process (pydantic-settings: environment, then ``.env``).

Each service extends :class:`CoreSettings` with its own fields; every variable is listed in
the README.  Outside development, placeholder secrets are refused at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from couch_design_docs.names import DatabaseNames
from relaypacs.couch import CouchClient

DEV_PLACEHOLDER = "change-me"


class CoreSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RELAYPACS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "test", "production"] = "development"
    couchdb_url: str = "http://127.0.0.1:5984"
    couchdb_user: str = "admin"
    couchdb_password: SecretStr = SecretStr(DEV_PLACEHOLDER)
    db_prefix: str = ""
    data_dir: Path = Path("var")
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> CoreSettings:
        if self.env == "production":
            for name, value in self:
                if isinstance(value, SecretStr) and value.get_secret_value() in (
                    "",
                    DEV_PLACEHOLDER,
                ):
                    raise ValueError(f"RELAYPACS_{name.upper()} must be set in production")
        return self

    @property
    def names(self) -> DatabaseNames:
        return DatabaseNames(self.db_prefix)

    def couch_client(self, **kwargs: object) -> CouchClient:
        return CouchClient(
            self.couchdb_url,
            self.couchdb_user,
            self.couchdb_password.get_secret_value(),
            **kwargs,  # type: ignore[arg-type]
        )
