"""The holder's residence region copied onto each certificate (the column its scope reads), kept when
persons move: registered with the registry's followers (``registry.regions.follow_persons``)."""

from __future__ import annotations

from gongjiang.credentials.models import Certificate
from gongjiang.registry.models import Person
from gongjiang.registry.regions import copy_region


def certificates_follow_holders(person_ids: list[int]) -> int:
    """The certificates of these persons take their holder's current residence region; called by the
    registry when persons move, inside its transaction. The number of rows changed."""
    return copy_region(
        model=Certificate,
        column="region_code",
        key="person_id",
        source=Person,
        source_column="residence_region_code",
        ids=person_ids,
    )
