"""A simulated corp with contacts, tags and groups for the sync and transfer tests."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.resolve import resolve_identities
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.state import Contact
from siyu.integrations.wecom.simulator.testing import make_client, make_simulator
from siyu.integrations.wecom.tests.conftest import CORP_ID


def corp() -> tuple[Simulator, WeComClient]:
    """No callback URL: changes made here reach Siyu only through sync (as lost callbacks)."""
    sim = make_simulator(corp_id=CORP_ID)
    sim.add_staff("Ghost99")  # has customer contact in WeCom, no staff row here
    return sim, make_client(sim)


def add_contact(
    sim: Simulator,
    ext: str,
    name: str,
    userids: Sequence[str],
    *,
    unionid: str = "",
    tag_ids: Sequence[str] = (),
) -> None:
    contact = sim.world.contacts.setdefault(ext, Contact(ext, name, unionid))
    for userid in userids:
        contact.follows[userid] = {
            "userid": userid,
            "remark": "",
            "createtime": 1_760_000_000,
            "add_way": 1,
            "tags": [{"tag_id": t, "type": 1} for t in tag_ids],
        }


def profile(ext: str) -> Customer | None:
    identity = IdentityInput("wecom_external_userid", ext, CORP_ID)
    return resolve_identities([identity], source="test")
