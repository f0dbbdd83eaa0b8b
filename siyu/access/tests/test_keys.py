from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from siyu.access.keys import create_api_key, find_api_key, hash_key, revoke_api_key
from siyu.access.models import ApiKey, Scope

pytestmark = pytest.mark.django_db
ALL = Scope.values


def test_only_a_hash_of_the_key_is_stored() -> None:
    key, raw = create_api_key("pos", ALL)
    row = ApiKey.objects.values().get(pk=key.pk)
    assert raw not in str(row)
    assert row["key_hash"] == hash_key(raw)
    assert raw.startswith(row["prefix"])


def test_each_key_is_unique_and_long() -> None:
    _, a = create_api_key("pos", ALL)
    _, b = create_api_key("erp", ALL)
    assert a != b
    assert len(a) >= 40


def test_a_name_is_used_once() -> None:
    create_api_key("pos", ALL)
    with pytest.raises(ValueError, match="already exists"):
        create_api_key("pos", ALL)
    with pytest.raises(ValueError, match="needs a name"):
        create_api_key("  ", ALL)


def test_a_key_needs_known_scopes_stored_in_a_stable_order() -> None:
    with pytest.raises(ValueError, match="at least one scope"):
        create_api_key("pos", [])
    with pytest.raises(ValueError, match="unknown scope 'admin'"):
        create_api_key("pos", ["admin"])
    key, _ = create_api_key("pos", ["segments:read", "customers:lookup", "segments:read"])
    assert key.scopes == ["customers:lookup", "segments:read"]


def test_find_accepts_the_key_and_rejects_others() -> None:
    key, raw = create_api_key("pos", ALL)
    assert find_api_key(raw) == key
    assert find_api_key(raw + "x") is None
    assert find_api_key("") is None
    assert find_api_key(None) is None
    assert find_api_key("not-our-format") is None


def test_revoked_key_stops_working_and_revoking_twice_keeps_the_first_time() -> None:
    _, raw = create_api_key("pos", ALL)
    first = revoke_api_key("pos").revoked_at
    assert find_api_key(raw) is None
    assert revoke_api_key("pos").revoked_at == first
    with pytest.raises(ValueError, match="no API key"):
        revoke_api_key("nope")


def test_command_prints_the_key_once_and_it_works() -> None:
    out, err = StringIO(), StringIO()
    call_command("api_key", "create", "erp-sync", "ingest:orders", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert find_api_key(raw) is not None
    assert "only once" in err.getvalue()
    listing = StringIO()
    call_command("api_key", "list", stdout=listing)
    assert "erp-sync" in listing.getvalue()
    assert "ingest:orders" in listing.getvalue()
    assert raw not in listing.getvalue()
    call_command("api_key", "revoke", "erp-sync", stdout=StringIO())
    assert find_api_key(raw) is None


def test_command_changes_scopes_and_rate() -> None:
    create_api_key("pos", ["ingest:orders"])
    out = StringIO()
    call_command(
        "api_key", "scopes", "pos", "ingest:orders", "customers:lookup", "--rate", "30", stdout=out
    )
    key = ApiKey.objects.get(name="pos")
    assert key.scopes == ["ingest:orders", "customers:lookup"]
    assert key.rate_per_minute == 30
    assert "customers:lookup" in out.getvalue()


def test_command_reports_mistakes_clearly() -> None:
    with pytest.raises(CommandError, match="needs the key's name"):
        call_command("api_key", "create")
    create_api_key("pos", ALL)
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "api_key", "create", "pos", "ingest:orders", stdout=StringIO(), stderr=StringIO()
        )
    with pytest.raises(CommandError, match="at least one scope"):
        call_command("api_key", "create", "till", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("api_key", "scopes", "pos", "ingest:orders", "--rate", "0")
