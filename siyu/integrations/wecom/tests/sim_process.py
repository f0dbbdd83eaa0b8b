"""A WeCom simulator in a process of its own, for tests that kill it in the middle of a
call (`python -m siyu.integrations.wecom.tests.sim_process CORP_ID SECRET HANG_PATH`).

Prints one JSON line ``{"url": …}`` once it serves. Each line read from stdin is a
contact way's config_id: a WeChat user scans it, and ``{"external_userid", "userid",
"welcome_code"}`` is printed. A call to HANG_PATH prints ``{"in_call": HANG_PATH}`` and is
never answered: the test kills the process then, as a crash or a lost machine would.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from siyu.integrations.wecom.simulator.server import Simulator, start_server

STAFF = ("ChenJing", "WangQiang", "LinYue")


def say(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def main() -> None:
    corp_id, secret, hang_path = sys.argv[1:4]
    sim = Simulator(corp_id, secret)
    sim.add_staff(*STAFF)

    def hang(query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        say({"in_call": hang_path})
        threading.Event().wait()  # never answers
        return {}

    sim.routes[hang_path] = hang
    server = start_server(sim)
    say({"url": server.url})
    for line in sys.stdin:
        scan = sim.scan(line.strip())
        say(
            {
                "external_userid": scan.external_userid,
                "userid": scan.userid,
                "welcome_code": scan.welcome_code,
            }
        )


if __name__ == "__main__":
    main()
