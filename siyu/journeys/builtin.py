"""The built-in action kinds: send, tag, profile field, webhook, coupon, points. Each runs
set-based over a batch where it can (one send plan, one tag insert per batch)."""

from __future__ import annotations

from django.utils import timezone

from siyu.campaigns.journey import issue_coupon
from siyu.campaigns.models import Coupon
from siyu.core.id_sets import among_ids
from siyu.customers.changes import NewChange, append_changes
from siyu.customers.models import ChangeKind, Customer, CustomerTag, TagSource
from siyu.customers.tag_links import link_tag
from siyu.journeys.actions import Batch, Result, register
from siyu.journeys.models import Journey, WebhookCall
from siyu.loyalty.verbs import award_points
from siyu.messaging.models import Channel, Send, SendStatus
from siyu.messaging.send import Message, SendRequest, send

# Profile fields a journey may set: plain labels, never personal data.
SETTABLE = {"lifecycle_stage", "spending_power", "occupation", "region"}
TAG_SOURCE = TagSource.JOURNEY.value


def _journey_name(journey_id: int) -> str:
    """The send log's title for a step without its own: the journey the operator named."""
    return Journey.objects.filter(pk=journey_id).values_list("name", flat=True).first() or ""


def send_action(batch: Batch) -> dict[int, Result]:
    cfg = batch.config
    text, url = str(cfg.get("text", ""))[:2000], str(cfg.get("url", ""))
    return send_message(batch, Message(text=text, url=url))


def send_message(batch: Batch, message: Message) -> dict[int, Result]:
    """One send plan for the batch: every customer goes through the policy layer (consent,
    caps in her zone, quiet hours, budget); a blocked send is recorded with its reason."""
    cfg, first = batch.config, batch.items[0]
    source_id = (
        f"{batch.journey_id}:{batch.step}:{first.enrollment_id}.{first.visit}:{len(batch.items)}"
    )
    outcome = send(
        SendRequest(
            source="journey",
            source_id=source_id[:64],
            channel=str(cfg.get("channel") or Channel.WECOM_CUSTOMER),
            message=message,
            customers=[i.customer_id for i in batch.items],
            purpose=str(cfg.get("purpose", "marketing")),
            title=str(cfg.get("title") or _journey_name(batch.journey_id))[:200],
        )
    )
    if outcome.plan is None:
        return {}
    decided = outcome.blocked
    if decided is None:  # a plan an earlier call began: its decisions are in the log
        blocked = Send.objects.filter(plan=outcome.plan, status=SendStatus.BLOCKED)
        decided = dict(blocked.values_list("customer_id", "reason"))
    # One result per reason, shared by the rows it holds for (a batch has a few reasons).
    results = {
        reason: Result("blocked", str(reason), {"plan": outcome.plan.pk})
        for reason in set(decided.values())
    }
    return {
        i.enrollment_id: results[decided[i.customer_id]]
        for i in batch.items
        if i.customer_id in decided
    }


def tag_action(batch: Batch) -> dict[int, Result]:
    """Adding: one set-based insert of the links the customers lack, with their change rows
    (the feed's contract: a change row with the write it describes), conflicts ignored
    (siyu/customers/tag_links.py). Removing: one read, one delete, their change rows."""
    tag_id = int(batch.config["tag_id"])
    ids = {i.customer_id for i in batch.items}
    if batch.config.get("remove"):
        links = CustomerTag.objects.filter(tag_id=tag_id, customer_id__in=among_ids(ids))
        gone = set(links.values_list("customer_id", flat=True))
        links.delete()
        append_changes(NewChange(c, ChangeKind.TAG, tag_id, {"added": False}) for c in gone)
        return {}
    fresh = link_tag(tag_id, ids, source=TAG_SOURCE, at=batch.at)
    return {
        i.enrollment_id: Result("skipped", "had_tag")
        for i in batch.items
        if i.customer_id not in fresh
    }


def field_action(batch: Batch) -> dict[int, Result]:
    name, value = str(batch.config.get("field", "")), batch.config.get("value", "")
    if name not in SETTABLE:
        return {i.enrollment_id: Result("skipped", "bad_field") for i in batch.items}
    ids = sorted({i.customer_id for i in batch.items})
    changed = list(
        Customer.objects.filter(pk__in=ids).exclude(**{name: value}).values_list("pk", flat=True)
    )
    Customer.objects.filter(pk__in=changed).update(**{name: value, "updated_at": timezone.now()})
    append_changes(NewChange(c, ChangeKind.PROFILE, None, {"fields": [name]}) for c in changed)
    return {}


def webhook_action(batch: Batch) -> dict[int, Result]:
    url = str(batch.config.get("url", ""))[:500]
    WebhookCall.objects.bulk_create(
        [
            WebhookCall(
                enrollment_id=i.enrollment_id,
                url=url,
                body={"journey": batch.journey_id, "step": batch.step, "customer": i.customer_id},
                created_at=batch.at,
            )
            for i in batch.items
        ]
    )
    return {}


def coupon_action(batch: Batch) -> dict[int, Result]:
    coupon_id, out = int(batch.config.get("coupon_id") or 0), {}
    if not Coupon.objects.filter(pk=coupon_id).exists():  # not chosen yet, or deleted
        return {i.enrollment_id: Result("skipped", "no_coupon") for i in batch.items}
    for i in batch.items:
        if issue_coupon(coupon_id, i.customer_id, step_key=i.key) is None:
            out[i.enrollment_id] = Result("skipped", "no_coupon")
    return out


def points_action(batch: Batch) -> dict[int, Result]:
    points = int(batch.config.get("points", 0))
    for i in batch.items:
        award_points(i.customer_id, points, key=i.key, reason=str(batch.config.get("reason", "")))
    return {}


def register_builtin() -> None:
    for kind, handler in (
        ("send", send_action),
        ("tag", tag_action),
        ("field", field_action),
        ("webhook", webhook_action),
        ("coupon", coupon_action),
        ("points", points_action),
    ):
        register(kind, handler)
