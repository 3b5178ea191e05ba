"""A user's notification preferences: the language of their texts, and for each type and
channel whether it goes out. Only what the user changed is stored; the rest follows the
defaults of ``kinds.default_on``, so a new type added later starts at its default for
everyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from notifications_service.domain.errors import UnknownPreference
from notifications_service.domain.kinds import DEFAULT_LANGUAGE, Channel, Kind, Language, default_on


class Preferences:
    def __init__(
        self,
        *,
        user_id: uuid.UUID,
        language: Language = DEFAULT_LANGUAGE,
        switches: Mapping[str, Mapping[str, bool]] | None = None,
        updated_at: datetime | None = None,
    ) -> None:
        self.user_id = user_id
        self.language = language.value
        # {"review.liked": {"email": true}}: only the choices that differ from nothing said.
        self.switches = {kind: dict(on) for kind, on in (switches or {}).items()}
        self.updated_at = updated_at

    @property
    def lang(self) -> Language:
        return Language(self.language)

    def allows(self, kind: Kind, channel: Channel) -> bool:
        chosen = self.switches.get(kind.value, {}).get(channel.value)
        return default_on(kind, channel) if chosen is None else chosen

    def table(self) -> dict[str, dict[str, bool]]:
        """Every type and channel, on or off."""
        return {kind.value: {ch.value: self.allows(kind, ch) for ch in Channel} for kind in Kind}

    def change(
        self,
        *,
        at: datetime,
        language: Language | None = None,
        switches: Mapping[str, Mapping[str, bool]] | None = None,
    ) -> None:
        """Set what is named, keep the rest. An unknown type or channel changes nothing."""
        parsed: list[tuple[Kind, Channel, bool]] = []
        for kind_name, channels in (switches or {}).items():
            try:
                kind = Kind(kind_name)
            except ValueError:
                raise UnknownPreference(f"There is no notification type {kind_name!r}.") from None
            for channel_name, on in channels.items():
                try:
                    parsed.append((kind, Channel(channel_name), on))
                except ValueError:
                    raise UnknownPreference(f"There is no channel {channel_name!r}.") from None
        # A new dict, so the ORM sees the JSON column change.
        updated = {k: dict(v) for k, v in self.switches.items()}
        for kind, channel, on in parsed:
            updated.setdefault(kind.value, {})[channel.value] = on
        self.switches = updated
        if language is not None:
            self.language = language.value
        self.updated_at = at
