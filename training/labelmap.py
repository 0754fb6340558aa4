"""Label maps: translate another corpus's tags (e.g. analysts' keywords) into our frames."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


class LabelMapError(ValueError):
    """A label-map file that cannot be used."""


@dataclass(frozen=True)
class LabelMap:
    """frame -> the source tags that mean it; tags compare case-insensitively."""

    tags_by_frame: Mapping[str, frozenset[str]]

    @classmethod
    def load(cls, path: Path, frames: Iterable[str]) -> LabelMap:
        """Read a JSON or TOML file of the form {frame: [tag, ...]}."""
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise LabelMapError(f"{path}: cannot read label map: {err}") from None
        known = set(frames)
        if not isinstance(data, dict) or not data:
            raise LabelMapError(f"{path}: expected a table of frame -> list of tags")
        unknown = sorted(set(data) - known)
        if unknown:
            raise LabelMapError(
                f"{path}: unknown frame(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        tags: dict[str, frozenset[str]] = {}
        for frame, values in data.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise LabelMapError(f"{path}: {frame!r} must map to a list of strings")
            tags[frame] = frozenset(v.strip().casefold() for v in values)
        return cls(tags)

    def frames_for(self, source_tags: Iterable[str]) -> frozenset[str]:
        """The frames whose tag list shares a tag with `source_tags`; other tags are ignored."""
        given = {t.strip().casefold() for t in source_tags}
        return frozenset(frame for frame, tags in self.tags_by_frame.items() if tags & given)
