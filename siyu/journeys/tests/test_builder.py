"""The builder edits a draft with the mouse (forms, no JSON), shows the problems before
publishing, and publishes; bad parameters are a 400, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from siyu.console.tests.factories import login
from siyu.demo.brand import Brand
from siyu.journeys.models import Journey

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq(client: Client, brand: Brand) -> Client:
    return login(client, brand.lin_yue)  # an admin at HQ


def test_a_journey_is_built_step_by_step_and_published(hq: Client) -> None:
    assert hq.get(reverse("console:journey_list")).status_code == 200
    hq.post(reverse("console:journey_install", args=["birthday"]))
    journey = Journey.objects.get()
    url = reverse("console:journey_detail", args=[journey.pk])
    page = hq.get(url + "?step=wish")
    assert page.status_code == 200
    assert b"<svg" in page.content
    # Add a wait after "wish"; it has no exit yet, so publishing is refused, naming it.
    hq.post(
        reverse("console:journey_step_add", args=[journey.pk]), {"type": "wait", "after": "wish"}
    )
    journey.refresh_from_db()
    added = journey.draft["steps"]["wish"]["next"]
    assert journey.draft["steps"][added] == {"type": "wait"}
    page = hq.get(url)
    assert added.encode() in page.content
    assert "发布前请修正" in page.content.decode()  # Chinese by default
    hq.post(
        reverse("console:journey_step_save", args=[journey.pk, added]),
        {"next": "points", "seconds": "3600"},
    )
    hq.post(reverse("console:journey_move", args=[journey.pk, "publish"]))
    journey.refresh_from_db()
    assert journey.status == "active"
    assert journey.current is not None
    assert journey.current.graph["steps"][added] == {
        "type": "wait",
        "next": "points",
        "seconds": 3600,
    }


def test_bad_builder_input_is_a_400(hq: Client) -> None:
    hq.post(reverse("console:journey_install", args=["birthday"]))
    journey = Journey.objects.get()
    save = reverse("console:journey_step_save", args=[journey.pk, "wish"])
    assert hq.post(save, {"next": "nowhere"}).status_code == 400
    wait = reverse("console:journey_step_save", args=[journey.pk, "morning"])
    assert hq.post(wait, {"hour": "-3"}).status_code == 400
    assert (
        hq.get(
            reverse("console:journey_detail", args=[journey.pk]) + "?step=" + "x" * 50
        ).status_code
        == 400
    )


def test_the_first_screen_and_the_360_page_show_journeys(hq: Client, brand: Brand) -> None:
    from siyu.journeys.engine import advance_due
    from siyu.journeys.entries import Entrant, enroll
    from siyu.journeys.tests.factories import plain_customers
    from siyu.journeys.versions import publish

    hq.post(reverse("console:journey_install", args=["birthday"]))
    Journey.objects.update(holdout_percent=0)
    journey = Journey.objects.get()
    publish(journey)
    journey.refresh_from_db()
    person = plain_customers(1)[0]
    enroll(journey, [Entrant(person.pk)], source="manual")
    advance_due()
    assert b"journeys_running" not in hq.get("/").content  # the block loads after the page
    block = hq.get(reverse("console:journeys_running")).content.decode()
    assert journey.name in block
    assert "<code>morning</code> 1" in block
    panel = hq.get(reverse("console:customer_journeys", args=[person.pk])).content.decode()
    assert journey.name in panel
    assert "下一步 <code>wish</code>" in panel


def test_the_journey_page_shows_revenue_per_step_against_the_holdout(hq: Client) -> None:
    from datetime import timedelta

    from siyu.customers.events import record_event
    from siyu.journeys.engine import advance_due
    from siyu.journeys.entries import Entrant, enroll
    from siyu.journeys.feed import handle_changes
    from siyu.journeys.stats import step_counts
    from siyu.journeys.tests.factories import chain, changes_after, make_journey
    from siyu.messaging.tests.factories import NOW, make_customer

    journey = make_journey(
        chain({"type": "wait", "seconds": 86400}), goal={"event": "purchase"}, holdout_percent=50
    )
    people = [make_customer(f"客{i}") for i in range(40)]
    enroll(journey, [Entrant(c.pk) for c in people], source="api", at=NOW)
    advance_due(now=NOW)
    treated = list(journey.enrollments.filter(holdout=False).order_by("pk"))
    held = list(journey.enrollments.filter(holdout=True).order_by("pk"))
    assert treated
    assert held
    for i, row in enumerate([treated[0], treated[1], held[0]]):
        record_event(row.customer, type="purchase", occurred_at=NOW + timedelta(hours=1),
                     properties={"amount_fen": 10000}, idempotency_key=f"p{i}")  # fmt: skip
    handle_changes(changes_after(), NOW + timedelta(hours=1))
    wait = step_counts(journey)["s1"]
    assert (wait.revenue_fen, wait.reached) == (20000, len(treated))
    per_head = 20000 / len(treated) - 10000 / len(held)
    assert wait.against_holdout_fen == pytest.approx(per_head)
    page = hq.get(reverse("console:journey_detail", args=[journey.pk])).content.decode()
    assert "每人相对对照组（元）" in page
    assert f"<td>200.00</td><td>{per_head / 100:,.2f}</td>" in page


def test_a_group_post_step_is_set_up_in_the_side_panel(hq: Client) -> None:
    hq.post(reverse("console:journey_install", args=["birthday"]))
    journey = Journey.objects.get()
    hq.post(
        reverse("console:journey_step_add", args=[journey.pk]),
        {"type": "group_post", "after": "wish"},
    )
    journey.refresh_from_db()
    added = journey.draft["steps"]["wish"]["next"]
    url = reverse("console:journey_detail", args=[journey.pk])
    page = hq.get(f"{url}?step={added}").content.decode()
    for label in ("帖子类型", "群类型", "素材"):  # its settings, in Chinese
        assert label in page
    hq.post(
        reverse("console:journey_step_save", args=[journey.pk, added]),
        {"next": "points", "text": "本周新品试饮", "post_kind": "topic", "group_type": "koc"},
    )
    journey.refresh_from_db()
    step = journey.draft["steps"][added]
    assert (step["post_kind"], step["group_type"], step["text"]) == ("topic", "koc", "本周新品试饮")
