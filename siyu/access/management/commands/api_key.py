"""``manage.py api_key create|scopes|list|revoke NAME [SCOPE…] [--rate N]`` — keys for
integrations, each with the scopes it needs (see ``siyu.access.models.Scope``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from siyu.access.keys import create_api_key, revoke_api_key, set_api_key_scopes
from siyu.access.models import DEFAULT_RATE_PER_MINUTE, ApiKey, Scope


class Command(BaseCommand):
    help = "Create, re-scope, list or revoke API keys for integrations. Scopes: " + ", ".join(
        Scope.values
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["create", "scopes", "list", "revoke"])
        parser.add_argument("name", nargs="?", help="the integration, e.g. 'pos' or 'erp-sync'")
        parser.add_argument("scopes", nargs="*", help="scopes the key may use (create, scopes)")
        parser.add_argument(
            "--rate",
            type=int,
            default=None,
            help=f"requests per minute (default {DEFAULT_RATE_PER_MINUTE} for a new key)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action: str = options["action"]
        name: str | None = options["name"]
        if action == "list":
            self._list()
            return
        if not name:
            raise CommandError(f"`api_key {action}` needs the key's name")
        try:
            self._change(action, name, options["scopes"], options["rate"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _change(self, action: str, name: str, scopes: list[str], rate: int | None) -> None:
        if action == "create":
            _, raw_key = create_api_key(
                name, scopes, rate_per_minute=rate or DEFAULT_RATE_PER_MINUTE
            )
            self.stdout.write(raw_key)
            self.stderr.write("Store this key now: it is shown only once.")
        elif action == "scopes":
            key = set_api_key_scopes(name, scopes, rate_per_minute=rate)
            granted = " ".join(key.scopes) or "none"
            self.stdout.write(f"{key.name}: {granted}; {key.rate_per_minute}/min")
        else:
            revoke_api_key(name)
            self.stdout.write(f"Revoked {name}.")

    def _list(self) -> None:
        for key in ApiKey.objects.order_by("name"):
            state = "revoked" if key.revoked_at else "active"
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            scopes = ",".join(key.scopes) or "-"
            self.stdout.write(
                f"{key.name}\t{key.prefix}…\t{state}\t{scopes}\t{key.rate_per_minute}/min"
                f"\tlast used {used}"
            )
