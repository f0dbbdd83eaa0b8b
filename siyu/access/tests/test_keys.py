from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from siyu.access.keys import check_api_key, create_api_key, hash_key, revoke_api_key
from siyu.access.models import ApiKey

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_key_is_stored() -> None:
    key, raw = create_api_key("pos")
    row = ApiKey.objects.values().get(pk=key.pk)
    assert raw not in str(row)
    assert row["key_hash"] == hash_key(raw)
    assert raw.startswith(row["prefix"])


def test_each_key_is_unique_and_long() -> None:
    _, a = create_api_key("pos")
    _, b = create_api_key("erp")
    assert a != b
    assert len(a) >= 40


def test_a_name_is_used_once() -> None:
    create_api_key("pos")
    with pytest.raises(ValueError, match="already exists"):
        create_api_key("pos")
    with pytest.raises(ValueError, match="needs a name"):
        create_api_key("  ")


def test_check_accepts_the_key_and_rejects_others() -> None:
    key, raw = create_api_key("pos")
    assert check_api_key(raw) == key
    assert check_api_key(raw + "x") is None
    assert check_api_key("") is None
    assert check_api_key(None) is None
    assert check_api_key("not-our-format") is None


def test_revoked_key_stops_working_and_revoking_twice_keeps_the_first_time() -> None:
    _, raw = create_api_key("pos")
    first = revoke_api_key("pos").revoked_at
    assert check_api_key(raw) is None
    assert revoke_api_key("pos").revoked_at == first
    with pytest.raises(ValueError, match="no API key"):
        revoke_api_key("nope")


def test_last_used_is_recorded_at_most_once_a_minute() -> None:
    key, raw = create_api_key("pos")
    check_api_key(raw)
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    check_api_key(raw)
    key.refresh_from_db()
    assert key.last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    check_api_key(raw)
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert key.last_used_at > first - timedelta(seconds=1)
    assert key.last_used_at <= timezone.now()


def test_command_prints_the_key_once_and_it_works() -> None:
    out, err = StringIO(), StringIO()
    call_command("api_key", "create", "erp-sync", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert check_api_key(raw) is not None
    assert "only once" in err.getvalue()
    listing = StringIO()
    call_command("api_key", "list", stdout=listing)
    assert "erp-sync" in listing.getvalue()
    assert raw not in listing.getvalue()
    call_command("api_key", "revoke", "erp-sync", stdout=StringIO())
    assert check_api_key(raw) is None


def test_command_reports_mistakes_clearly() -> None:
    with pytest.raises(CommandError, match="needs the key's name"):
        call_command("api_key", "create")
    create_api_key("pos")
    with pytest.raises(CommandError, match="already exists"):
        call_command("api_key", "create", "pos", stdout=StringIO(), stderr=StringIO())
