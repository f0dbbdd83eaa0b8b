"""The periodic ring sweep: the whole referral graph, by person, through the detectors of
siyu.referrals.graph; every referral inside a ring, a dense cluster or a self-referral
that still has unpaid rewards goes to review."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from siyu.customers.models import Customer
from siyu.referrals.graph import Findings, screen_graph
from siyu.referrals.models import Referral, ReferralStatus
from siyu.referrals.review import hold_for_review

MAX_HOPS = 32


def person_map() -> dict[int, int]:
    """Every merged profile → the person it ended in (one read of the merge pointers)."""
    pointers = dict(
        Customer.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id")
    )
    out: dict[int, int] = {}
    for start in pointers:
        node = start
        for _hop in range(MAX_HOPS):
            if node not in pointers:
                break
            node = pointers[node]
        out[start] = node
    return out


def sweep_referrals(at: datetime | None = None) -> Findings:
    now = at or timezone.now()
    rows: list[tuple[int, int, int]] = [
        (pk, inviter or 0, invitee)
        for pk, inviter, invitee in Referral.objects.filter(inviter_id__isnull=False)
        .exclude(status=ReferralStatus.REJECTED)
        .values_list("pk", "inviter_id", "invitee_id")
    ]
    persons = person_map()
    edges = [(inviter, invitee) for _pk, inviter, invitee in rows]
    findings = screen_graph(edges, lambda n: persons.get(n, n))
    reasons = {
        **dict.fromkeys(findings.cluster_edges, "dense_cluster"),
        **dict.fromkeys(findings.ring_edges, "ring"),
        **dict.fromkeys(findings.self_edges, "self_referral"),
    }
    for pk, inviter, invitee in rows:
        reason = reasons.get((inviter, invitee))
        if reason is not None:
            hold_for_review(pk, [reason], at=now)
    return findings
