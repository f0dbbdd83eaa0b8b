"""Every console page, discovered from the URL conf, with the demo brand behind it.

The language test and the browser tour both walk this list, so a page added anywhere in the
URL conf is checked once it is merged: pages without parameters are found by themselves,
pages that need an id take one from ``DEMO_IDS`` (a page with a parameter that is neither
there nor in ``ACTIONS`` fails the tour, so it cannot be forgotten).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from siyu.campaigns.models import Coupon, GroupBuyDeal, Lottery
from siyu.channels.models import Channel, ChannelCode, ChannelKind, WelcomeVariant
from siyu.community.models import GroupCode, GroupInvite
from siyu.content.models import Material
from siyu.customers.models import Customer, CustomerStatus
from siyu.demo.brand import Brand, load_brand
from siyu.demo.koc import KOC_GROUP
from siyu.demo.simulate import simulate
from siyu.groups.models import GroupChat
from siyu.imports.models import ImportJob
from siyu.imports.run import run_import_job
from siyu.imports.start import start_import
from siyu.messaging.models import Channel as MessageChannel
from siyu.messaging.models import SendPlan
from siyu.messaging.send import Message, SendRequest, send
from siyu.referrals.models import Programme
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Membership, Segment

# Not console pages: the API (its docs are toured by name below), callbacks, language switch.
OUTSIDE = ("api/", "i18n/", "wecom/callback/", "wechat/")
# POST-only actions and downloads reached from a page, never opened as one.
ACTIONS = {
    "console:logout",
    "console:journey_install",
    "console:journey_step_add",
    "console:journey_step_save",
    "console:journey_move",
    "console:customer_reveal",
    "console:customer_add_tag",
    "console:customer_remove_tag",
    "console:review_resolve",
    "console:review_unmerge",
    "console:import_progress",
    "console:import_errors",
    "console:import_sample",
    "console:customer_export",
    "segments:count",
    "segments:refresh",
    "segments:snapshot",
    "segments:export",
    "segments:layering_csv",
    "segments:convert",
    "access:revoke",
    "console:channel_new",
    "console:welcome_variant_preview",
    "console:channel_spend_sample",
    "wecom:parked_action",
    "console:channel_code_retire",
    "console:channel_code_qr",
    "console:welcome_cover",
    "console:privacy_answer",
    "console:privacy_reject",
    "console:privacy_download",
    "console:loyalty_create",
    "console:loyalty_status",
    "console:campaign_move",
    "console:messaging_cancel",
    "console:messaging_remind",
    "console:referral_decide",
    "console:referral_gift_hand_over",
    "console:material_variant",
    "content:landing",
    "content:beacon",
    "content:click",
    "console:sidebar_config",
    "console:sidebar_send",
    "console:community_group_edit",
    "console:community_group_post",
    "console:community_slot_new",
    "console:community_code_new",
    "console:community_code_delete",
    "console:community_invite_new",
    "console:community_persona_new",
    "console:community_moment_new",
    "console:workbench_task_close",
    "console:workbench_note_add",
    "console:workbench_alert_resolve",
}
# Outside the console's URL conf, linked from it for admins. Swagger UI is English-only
# (a developer's page): its language is not checked, its errors and width are.
EXTRA_PATHS = ["/api/docs"]

IMPORT_CSV = (
    "phone,display_name,gender,store,owner\n"
    "13911119999,周文,女,上海静安店,chen.jing\n"
    "12345,坏号码,,,\n"
)


@dataclass(frozen=True)
class Demo:
    brand: Brand
    customer: Customer
    segment: Segment
    job: ImportJob


def seed_demo(customers: int = 60) -> Demo:
    """A small demo brand through the same simulator `siyu demo` runs, plus a segment and a
    finished import with a rejected row, so no page shows only its empty state."""
    simulate(customers, seed=7, verb_people=customers)
    brand = load_brand()
    segment = create_segment(
        "女性会员", {"kind": "profile", "field": "gender", "values": ["female"]}
    )
    refresh_segment(segment.pk)
    job = start_import("customers", "会员.csv", IMPORT_CSV.encode(), skip_invalid=True, user=None)
    run_import_job(job.pk)
    # A code as WeCom would have made it (the demo's simulator is not running here), on a
    # channel of the store manager's store, so every role has a code page to open.
    channel, _ = Channel.objects.get_or_create(
        name="静安店门店海报",
        defaults={"kind": ChannelKind.STORE_POSTER, "org_unit": brand.wang_qiang.org_unit},
    )
    ChannelCode.objects.get_or_create(
        state="tour-code", defaults={"channel": channel, "config_id": "tour-config"}
    )
    zhang = Customer.objects.get(display_name="张敏", status=CustomerStatus.ACTIVE)
    # A weekly mass send to the segment, planned (WeCom is not running here).
    members = Membership.objects.filter(segment=segment, left_at__isnull=True).values("customer_id")
    send(
        SendRequest(
            source="tour",
            source_id="weekly",
            channel=MessageChannel.WECOM_CUSTOMER,
            message=Message(text="本周新品"),
            customers=Customer.objects.filter(pk__in=members),
            title="Weekly picks",
        )
    )
    return Demo(brand, zhang, segment, ImportJob.objects.get(pk=job.pk))


DEMO_IDS: dict[str, Callable[[Demo], dict[str, Any]]] = {
    "console:customer_detail": lambda d: {"pk": d.customer.pk},
    "console:import_detail": lambda d: {"pk": d.job.pk},
    "console:staff_password_reset": lambda d: {"pk": d.brand.chen_jing.pk},
    "segments:detail": lambda d: {"pk": d.segment.pk},
    "segments:edit": lambda d: {"pk": d.segment.pk},
    "console:channel_code_edit": lambda d: {"pk": _first(ChannelCode)},
    "console:welcome_variant_edit": lambda d: {"pk": _first(WelcomeVariant)},
    "console:privacy_request": lambda d: {"pk": _privacy_request(d)},
    "console:coupon_report": lambda d: {"pk": _first(Coupon)},
    "console:lottery_report": lambda d: {"pk": _first(Lottery)},
    "console:deal_report": lambda d: {"pk": _first(GroupBuyDeal)},
    "console:messaging_detail": lambda d: {"pk": _first(SendPlan)},
    "console:referral_programme": lambda d: {"pk": _first(Programme)},
    "console:material_edit": lambda d: {"pk": _first(Material)},
    # The KOC group: 陈静's, so every role reaches it (HQ, her store's manager, herself).
    # The KOC group's code: 陈静's group, so every role sees it.
    "console:community_code_edit": lambda d: {
        "pk": GroupCode.objects.filter(chats__chat__chat_id=KOC_GROUP).values_list("pk", flat=True)[
            0
        ]
    },
    "console:community_group": lambda d: {"pk": GroupChat.objects.get(chat_id=KOC_GROUP).pk},
    "console:referral_koc_result": lambda d: {"pk": _first(GroupInvite)},
    "console:journey_detail": lambda d: {"pk": _journey()},
    "console:customer_journeys": lambda d: {"pk": d.customer.pk},
}


def _journey() -> int:
    from siyu.journeys.models import Journey
    from siyu.journeys.templates import birthday

    found = Journey.objects.order_by("pk").first()
    spec = birthday()  # no tags: the tour's brand data is read before this runs
    return (found or Journey.objects.create(name="山茶咖啡", draft=spec["graph"])).pk


def _privacy_request(d: Demo) -> int:
    from siyu.privacy.models import PrivacyRequest
    from siyu.privacy.requests import raise_request

    found = PrivacyRequest.objects.filter(customer=d.customer, kind="deletion").first()
    made = found or raise_request(d.customer, "deletion", raised_by="operator", actor=None)
    return made.pk


def _first(model: Any) -> int:
    return int(model.objects.order_by("pk").values_list("pk", flat=True)[0])


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str, ns: str
) -> Iterator[tuple[str, str]]:
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif p.name:
            yield f"{ns}{p.name}", route


def console_routes() -> list[tuple[str, str]]:
    """(url name, route) of every named console route, actions included."""
    routes = _walk(get_resolver().url_patterns, "", "")
    return [(name, route) for name, route in routes if not route.startswith(OUTSIDE)]


class UnknownPage(Exception):
    pass


def console_pages(demo: Demo) -> list[str]:
    """The path of every page a person opens, ids filled in from the demo brand."""
    paths: list[str] = []
    missing: list[str] = []
    for name, _route_text in console_routes():
        if name in ACTIONS or ":" not in name:
            continue
        if name in DEMO_IDS:
            paths.append(reverse(name, kwargs=DEMO_IDS[name](demo)))
            continue
        try:
            paths.append(reverse(name))
        except Exception:  # a parameter we have no demo id for
            missing.append(name)
    if missing:
        raise UnknownPage(
            f"give these pages a demo id in DEMO_IDS or list them in ACTIONS: {missing}"
        )
    return sorted(set(paths)) + EXTRA_PATHS
