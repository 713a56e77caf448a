"""The learner's settings, kept as JSON in the data folder.

Recording is off until the learner turns it on: a microphone is personal, and the consent
is theirs to give, here and not by default. Keys this model does not know (the store's
"database", say) are kept as they are when the settings are saved.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.core.atomic import write_text_atomically

SETTINGS_FILE = "settings.json"


class Settings(BaseModel):
    model_config = ConfigDict(extra="allow")

    record_encounters: bool = Field(
        default=False, description="the learner consents to recording their encounters"
    )
    input_device: str | None = Field(default=None, description="microphone name; None: default")
    recording_retention_days: int = Field(
        default=30, ge=0, description="recordings older than this are deleted; 0 keeps all"
    )

    @classmethod
    def load(cls, folder: Path) -> Settings:
        """The saved settings; the defaults when there are none or they cannot be read."""
        path = folder / SETTINGS_FILE
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return cls()

    def save(self, folder: Path) -> None:
        write_text_atomically(folder / SETTINGS_FILE, self.model_dump_json(indent=2))
