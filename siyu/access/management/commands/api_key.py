"""``manage.py api_key create|list|revoke NAME`` — keys for integrations."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from siyu.access.keys import create_api_key, revoke_api_key
from siyu.access.models import ApiKey


class Command(BaseCommand):
    help = "Create, list or revoke API keys for integrations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("name", nargs="?", help="the integration, e.g. 'pos' or 'erp-sync'")

    def handle(self, *args: Any, **options: Any) -> None:
        action: str = options["action"]
        name: str | None = options["name"]
        if action == "list":
            self._list()
            return
        if not name:
            raise CommandError(f"`api_key {action}` needs the key's name")
        try:
            if action == "create":
                _, raw_key = create_api_key(name)
                self.stdout.write(raw_key)
                self.stderr.write("Store this key now: it is shown only once.")
            else:
                revoke_api_key(name)
                self.stdout.write(f"Revoked {name}.")
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _list(self) -> None:
        for key in ApiKey.objects.order_by("name"):
            state = "revoked" if key.revoked_at else "active"
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            self.stdout.write(f"{key.name}\t{key.prefix}…\t{state}\tlast used {used}")
