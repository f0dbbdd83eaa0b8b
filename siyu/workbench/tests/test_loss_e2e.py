"""End to end against the WeCom simulator: a customer deletes her rep (del_follow_user) or
a rep deletes a customer (del_external_contact) → signed callback → inbox → event → the
change feed → a loss alert, a notice to the rep and her store manager, listed once."""

from __future__ import annotations

import pytest

from siyu.customers.identity_rules import IdentityInput
from siyu.customers.resolve import resolve_identities
from siyu.demo.brand import Brand
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.tests.conftest import (  # noqa: F401 - fixtures
    CORP_ID,
    callback_sim,
    immediate_tasks,
    no_wecom_call_in_a_transaction,
    wecom_corp,
)
from siyu.integrations.wecom.transport import wecom_client
from siyu.workbench import feed
from siyu.workbench.models import LossAlert, LossKind
from siyu.workbench.queries import loss_alerts
from siyu.workbench.tests.factories import notices


def _contact(sim: Simulator) -> tuple[str, int]:
    way = wecom_client().add_contact_way("loss", ["ChenJing"])
    scan = sim.scan(way["config_id"], name="张敏")
    profile = resolve_identities(
        [IdentityInput("wecom_external_userid", scan.external_userid, CORP_ID)], source="test"
    )
    assert profile is not None
    return scan.external_userid, profile.pk


@pytest.mark.django_db(transaction=True)
def test_customer_deleting_her_rep_alerts_the_rep_and_the_store_manager(
    callback_sim: Simulator,  # noqa: F811
    brand: Brand,
) -> None:
    feed.poll_changes()
    external, customer_id = _contact(callback_sim)
    assert callback_sim.customer_deletes_staff(external, "ChenJing").status == 200
    while feed.poll_changes():
        pass
    alert = LossAlert.objects.get()
    assert (alert.customer_id, alert.staff_id, alert.kind) == (
        customer_id,
        brand.chen_jing.pk,
        LossKind.CUSTOMER_LEFT,
    )
    assert alert.notified_at is not None
    assert notices(brand.chen_jing, "loss:") == [f"loss:{alert.pk}"]
    assert notices(brand.wang_qiang, "loss:") == [f"loss:{alert.pk}"]
    # WeCom retries the callback: still one alert and one notice each.
    assert callback_sim.redeliver().status == 200
    while feed.poll_changes():
        pass
    assert LossAlert.objects.count() == 1
    assert notices(brand.wang_qiang, "loss:") == [f"loss:{alert.pk}"]
    assert [a.pk for a in loss_alerts(brand.wang_qiang.user)] == [alert.pk]


@pytest.mark.django_db(transaction=True)
def test_rep_deleting_a_customer_is_a_deletion_alert(callback_sim: Simulator, brand: Brand) -> None:  # noqa: F811
    feed.poll_changes()
    external, _customer = _contact(callback_sim)
    assert callback_sim.staff_deletes_customer(external, "ChenJing").status == 200
    while feed.poll_changes():
        pass
    assert LossAlert.objects.get().kind == LossKind.STAFF_DELETED
    # Another store's manager is not told, and does not see it.
    others = [s for s in brand.staff.values() if s.role == "store_manager" and s.org_unit_id != brand.chen_jing.org_unit_id]  # fmt: skip
    if others:
        assert notices(others[0], "loss:") == []
        assert list(loss_alerts(others[0].user)) == []
