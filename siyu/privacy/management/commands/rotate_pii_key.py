"""Move every encrypted value and blind index to the current SIYU_PII_KEY (see
siyu/privacy/rotation.py for the procedure). Safe to interrupt and run again."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from siyu.privacy.rotation import CHUNK, remaining, rotate_all


class Command(BaseCommand):
    help = "Re-encrypt personal data and recompute blind indexes under SIYU_PII_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=CHUNK, help="rows per transaction")
        parser.add_argument(
            "--check", action="store_true", help="only count rows not yet under the current key"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chunk = max(1, min(int(options["chunk"]), 10_000))
        if not options["check"]:
            for column, moved in rotate_all(chunk=chunk).items():
                self.stdout.write(f"{column}: {moved} moved")
        left = remaining()
        self.stdout.write(json.dumps({"remaining": sum(left.values()), "columns": left}))
