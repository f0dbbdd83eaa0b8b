"""Process WeCom callbacks still pending in the inbox (a running `siyu worker` polls it too)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from siyu.integrations.wecom.process import drain_pending


class Command(BaseCommand):
    help = "Apply WeCom callbacks that are still pending in the inbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=float, default=10.0, help="seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = timedelta(seconds=options["older_than"])
        applied = 0
        while batch := drain_pending(older_than=older_than):
            applied += batch
        self.stdout.write(f"applied {applied} pending callbacks")
