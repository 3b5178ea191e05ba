import uuid

import pytest

from marketplace_platform.ids import new_id

pytestmark = pytest.mark.unit


def test_new_id_is_a_version_7_rfc_uuid() -> None:
    value = new_id()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_ids_made_in_a_burst_sort_in_creation_order() -> None:
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
