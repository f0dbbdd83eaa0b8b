"""The one send verb. Every outbound message goes through ``send``.

    from siyu.messaging.send import Message, SendRequest, send, preview

    outcome = send(SendRequest(
        source="loyalty",                 # who asks: an app or feature name (≤ 40)
        source_id="tier-up:2026-12",      # its id for this send (≤ 64); with the source,
                                          # recipient and channel: the idempotency key
        channel=Channel.WECOM_CUSTOMER,   # or WECOM_GROUP, WECOM_MOMENT, WECOM_APP,
                                          # OA_TEMPLATE, WEBHOOK
        message=Message(text="…", attachments=(), template_id="", fields={}, url=""),
        customers=queryset_or_ids,        # customers (WECOM_CUSTOMER, OA_TEMPLATE, WEBHOOK)
        chat_ids=(),                      # groups (WECOM_GROUP)
        staff_ids=(),                     # staff (WECOM_APP recipients, WECOM_MOMENT executors)
        owners=(),                        # only through these senders (per-owner mass send)
        purpose="marketing",              # consent purpose checked per send; "" = none
        priority=Priority.MARKETING,      # TRANSACTIONAL: exempt from caps and quiet hours
        at=None,                          # when it should go out (default: now)
    ))
    outcome.plan, outcome.counts["queued"], outcome.counts["blocked:no_consent"], outcome.tasks

``send`` applies the policy layer (siyu/messaging/policy.py) to every recipient, writes the
send log (one row per recipient with its decision and reason) and the staff tasks, and
returns; the worker delivers after commit. Calling it again with the same source and
source id writes nothing new. ``preview`` answers the same question without writing:
who would be reached, who is capped or without consent and why, how many staff tasks.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from siyu.core.clock import local_date
from siyu.core.lazy_commit import commit_lazily
from siyu.customers.bulk import insert_all
from siyu.customers.models import Customer
from siyu.messaging import audience
from siyu.messaging.models import (
    BUDGETED,
    STAFF_CONFIRMED,
    BudgetState,
    Channel,
    PlanStatus,
    Priority,
    Reason,
    SendPlan,
    SendStatus,
    StaffTask,
)
from siyu.messaging.overlap import can_overlap, plan_overlapped
from siyu.messaging.plans import existing_keys, finish_plan, open_plan
from siyu.messaging.policy import (
    Candidate,
    Context,
    Decider,
    Decision,
    Ledger,
    Rules,
    load_budget,
    load_staff,
    load_usage,
)
from siyu.messaging.rows import COLUMNS, LogStatistics, insert_sends
from siyu.messaging.staffcap import take_staff_quota
from siyu.messaging.windows import budget_window

CHUNK = 2000
ANALYZE_AFTER = 10_000  # sends planned since the log's statistics were taken
# WeCom takes at most 10,000 customers (or 2,000 groups) in one add_msg_template.
TASK_SIZE: dict[str, int] = {Channel.WECOM_CUSTOMER: 10_000, Channel.WECOM_GROUP: 2_000}


@dataclass(frozen=True)
class Message:
    text: str = ""
    attachments: tuple[dict[str, Any], ...] = ()
    template_id: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    url: str = ""
    # Moments: the customer tags (WeCom tag ids) whose members see the post.
    tag_ids: tuple[str, ...] = ()
    # Official-account template: the mini-program page a tap opens (instead of ``url``).
    miniprogram_page: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "attachments": list(self.attachments),
            "template_id": self.template_id,
            "fields": dict(self.fields),
            "url": self.url,
            "tag_ids": list(self.tag_ids),
            "miniprogram_page": self.miniprogram_page,
        }


@dataclass(frozen=True)
class SendRequest:
    source: str
    source_id: str
    channel: str
    message: Message
    customers: QuerySet[Customer] | Sequence[int] | None = None
    chat_ids: Sequence[str] = ()
    staff_ids: Sequence[int] = ()
    owners: Sequence[int] = ()
    purpose: str = "marketing"
    priority: str = Priority.MARKETING
    at: datetime | None = None
    title: str = ""
    audience: str = ""
    created_by_id: int | None = None
    # A notice to staff about one customer (its text may name her): see SendPlan.about.
    about: int | None = None


@dataclass
class Outcome:
    plan: SendPlan | None
    counts: Counter[str] = field(default_factory=Counter)
    tasks: int = 0
    # Customer → reason, for each blocked send, when this call decided the whole plan (a
    # plan created in the caller's transaction, see ``send``); None when it did not.
    blocked: dict[int, str] | None = None

    @property
    def reached(self) -> int:
        return sum(n for key, n in self.counts.items() if not key.startswith("blocked"))


def _label(d: Decision) -> str:
    return f"blocked:{d.reason}" if d.status == SendStatus.BLOCKED else str(d.status)


def _customer_chunks(customers: QuerySet[Customer] | Sequence[int]) -> Iterator[list[int]]:
    if isinstance(customers, QuerySet):
        ids = customers.order_by().values_list("pk", flat=True)
        last = 0
        while chunk := list(ids.filter(pk__gt=last).order_by("pk")[:CHUNK]):
            yield chunk
            last = chunk[-1]
        return
    ordered = sorted(set(customers))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _candidate_chunks(req: SendRequest, lock: bool) -> Iterator[list[Candidate]]:
    if req.channel == Channel.WECOM_GROUP:
        chats = sorted(set(req.chat_ids))
        for start in range(0, len(chats), CHUNK):
            yield audience.group_candidates(chats[start : start + CHUNK], lock=lock)
    elif req.channel in (Channel.WECOM_APP, Channel.WECOM_MOMENT):
        yield audience.staff_candidates(sorted(set(req.staff_ids)))
    else:
        for ids in _customer_chunks(req.customers if req.customers is not None else []):
            yield audience.customer_candidates(
                ids, req.channel, req.purpose, owners_only=req.owners, lock=lock
            )


class Facts(NamedTuple):
    cands: list[Candidate]
    ledger: Ledger


class _Planner:
    """Decides chunk by chunk, keeping the in-memory ledger of senders across chunks."""

    def __init__(self, req: SendRequest, plan: SendPlan | None, rules: Rules, at: datetime) -> None:
        self.req, self.plan, self.at = req, plan, at
        self.ctx = Context(req.channel, req.priority, at, rules, bool(req.purpose))
        self.brand_day: date = local_date(at)
        self.staff_seen: set[int] = set()
        self.staff_ledger = Ledger()
        self.tasks: dict[tuple[int | None, datetime], list[Any]] = {}
        self.outcome = Outcome(plan)
        self.parts: dict[int | None, int] = {}
        self.decider = Decider(self.ctx, self.brand_day)
        # Two threads plan side by side on PostgreSQL (overlap.py): their decisions and
        # the plan's counts are taken one at a time.
        self.lock = threading.Lock()
        if plan is not None:  # resuming a plan a crash interrupted: fill its open tasks
            for task in plan.tasks.annotate(n=Count("sends")).order_by("part"):
                self.tasks[task.staff_id, task.due_at] = [task, task.n]
                self.parts[task.staff_id] = max(self.parts.get(task.staff_id, 0), task.part + 1)

    def _ledger(self, cands: list[Candidate]) -> Ledger:
        keys = [c.key for c in cands]
        days = [self.at.astimezone(c.zone).date() for c in cands]
        ledger = Ledger(staff=self.staff_ledger.staff)
        load_usage(ledger, keys, min(days), max(days, default=self.brand_day))
        if self.req.channel in BUDGETED:
            # Quiet hours move a send by at most a day, possibly into the next window.
            rule = self.ctx.rules.budget_rule
            windows = {budget_window(self.at + timedelta(days=n), rule)[0] for n in (0, 1)}
            load_budget(ledger, keys, windows, rule)
        if self.ctx.staff_limited:
            with self.lock:
                new_staff = {c.staff_id for c in cands if c.staff_id is not None}
                if new_staff := new_staff - self.staff_seen:
                    load_staff(ledger, new_staff, self.at)
                    self.staff_seen |= new_staff
        return ledger

    def decide_chunk(
        self, cands: list[Candidate], existing: set[str]
    ) -> list[tuple[Candidate, Decision]]:
        return self.decide(self.read(cands, existing))

    def read(self, cands: list[Candidate], existing: set[str]) -> Facts:
        """What the log holds for the chunk's recipients (not yet sent here)."""
        if existing:
            cands = [c for c in cands if c.key not in existing]
        return Facts(cands, self._ledger(cands) if cands else Ledger())

    def decide(self, facts: Facts) -> list[tuple[Candidate, Decision]]:
        cands, ledger = facts
        if not cands:
            return []
        with self.lock:
            decisions = self.decider.decide(cands, ledger)
            for d, n in Counter(decisions).items():  # a few distinct decisions: label once
                self.outcome.counts[_label(d)] += n
            self.staff_ledger.staff = ledger.staff
        return list(zip(cands, decisions, strict=True))

    def _task_for(self, c: Candidate, d: Decision) -> Any:
        if self.req.channel not in STAFF_CONFIRMED or d.status == SendStatus.BLOCKED:
            return None
        owner = None if self.req.channel == Channel.WECOM_MOMENT else c.staff_id
        slot = self.tasks.get((owner, d.due_at))
        size = TASK_SIZE.get(self.req.channel, 100_000)
        if slot is None or slot[1] >= size:
            part = self.parts.get(owner, 0)
            self.parts[owner] = part + 1
            task = StaffTask(
                plan=self.plan,
                staff_id=owner,
                part=part,
                channel=self.req.channel,
                due_at=d.due_at,
                created_at=self.at,
            )
            slot = self.tasks[owner, d.due_at] = [task, 0]
        slot[1] += 1
        return slot[0]

    def _within_staff_limits(
        self, decided: list[tuple[Candidate, Decision]]
    ) -> list[tuple[Candidate, Decision]]:
        """Take the chunk's sends from each sender's durable day counter (staffcap.py);
        what it has no room for is blocked with ``staff_limit``."""
        limit = self.ctx.rules.staff_daily_limit
        wanted = Counter(c.staff_id for c, d in decided if d.counts and c.staff_id is not None)
        if not (self.ctx.staff_limited and limit and wanted):
            return decided
        left = take_staff_quota(dict(wanted), self.brand_day, limit)
        with self.lock:
            return self._limited(decided, left, limit)

    def _limited(
        self, decided: list[tuple[Candidate, Decision]], left: dict[int, int], limit: int
    ) -> list[tuple[Candidate, Decision]]:
        out = []
        for c, d in decided:
            if d.counts and c.staff_id is not None:
                if left[c.staff_id] > 0:
                    left[c.staff_id] -= 1
                else:
                    self.outcome.counts[_label(d)] -= 1
                    d = Decision(
                        SendStatus.BLOCKED, Reason.STAFF_LIMIT, d.due_at, d.local_day, None
                    )
                    self.outcome.counts[_label(d)] += 1
                    self.staff_ledger.staff[c.staff_id, self.brand_day] = limit
            out.append((c, d))
        return out

    def write(self, decided: list[tuple[Candidate, Decision]]) -> None:
        decided = self._within_staff_limits(decided)
        if self.outcome.blocked is not None:
            for c, d in decided:
                if d.status == SendStatus.BLOCKED and c.customer_id is not None:
                    self.outcome.blocked[c.customer_id] = d.reason
        tasks = [self._task_for(c, d) for c, d in decided]
        distinct = {id(t): t for t in tasks if t is not None}
        fresh = [t for t in distinct.values() if t.pk is None]
        insert_all(StaffTask, fresh)
        self.outcome.tasks += len(fresh)
        task_pk = {key: t.pk for key, t in distinct.items()}
        assert self.plan is not None  # noqa: S101 - only plans write
        req = self.req
        head = (self.plan.pk, req.source, req.source_id)
        tails: dict[Decision, tuple[Any, ...]] = {}
        rows = []
        for (c, d), t in zip(decided, tasks, strict=True):
            tail = tails.get(d)
            if tail is None:  # a chunk has a few distinct decisions: build each tail once
                budget = BudgetState.RESERVED if d.budget_window else BudgetState.NONE
                tail = (d.status, d.reason, d.due_at, d.local_day, budget, d.budget_window,
                        "", 0, "", self.at, None)  # fmt: skip
                tails[d] = tail
            middle = (c.key, req.channel, req.priority, c.customer_id, c.chat_id, c.staff_id)
            rows.append((*head, *middle, task_pk.get(id(t)), *tail))
        # Stored task by task: creating a task at WeCom then rewrites its sends' status,
        # and a task's sends side by side are a few pages, where in customer order every
        # page of the chunk held sends of every task (at 200k customers and 28 tasks each
        # task's commit wrote most pages of the whole send again).
        rows.sort(key=lambda row: row[_TASK_COLUMN] or 0)
        insert_sends(rows)


_TASK_COLUMN = COLUMNS.index("task_id")


def _read(planner: _Planner, req: SendRequest, cands: list[Candidate], *, existing: bool) -> Facts:
    # Measured: the WAL flushes were a fifth of a plan's time. The worker takes a plan's
    # sends and tasks only once the plan is planned, a synchronous commit that flushes
    # every earlier one; a crash before it loses only chunks of a plan still planning,
    # which its retry writes again (once: the idempotency key).
    commit_lazily()
    return planner.read(cands, existing_keys(req, cands) if existing else set())


def _several_chunks(req: SendRequest) -> bool:
    """Worth a second thread and connection: more than one chunk of recipients."""
    if req.channel == Channel.WECOM_GROUP:
        return len(set(req.chat_ids)) > CHUNK
    if req.channel in (Channel.WECOM_APP, Channel.WECOM_MOMENT) or req.customers is None:
        return False
    if isinstance(req.customers, QuerySet):
        return req.customers.order_by().values("pk")[CHUNK : CHUNK + 1].exists()
    return len(set(req.customers)) > CHUNK


def send(req: SendRequest) -> Outcome:
    """Plan the send for every recipient (chunked: SQLite's write lock is held for one
    chunk at a time) and return what was decided; delivery happens in the worker."""
    at = req.at or timezone.now()
    # A plan created inside the caller's transaction (a journey batch) is invisible to
    # every other planner until that commits, and its own chunks are disjoint: it can hold
    # no send yet, so the idempotency read per recipient is skipped (a tenth of a journey
    # send step's database time), and every decision it holds is made here: its summary
    # and blocked customers come from this call, not from reading its sends back. A plan
    # created at the top level commits at once and another planner may fill it
    # alongside: there the reads stay.
    plan, created = open_plan(req, at)
    private = created and connection.in_atomic_block
    if plan.status != PlanStatus.PLANNING:
        return Outcome(plan, Counter(plan.summary), plan.tasks.count())
    planner = _Planner(req, plan, Rules.current(), at)
    if private:
        planner.outcome.blocked = {}
    chunks = _candidate_chunks(req, lock=True)
    stats = LogStatistics(CHUNK)
    if can_overlap() and _several_chunks(req):
        plan_overlapped(
            chunks,
            lambda cands: _read(planner, req, cands, existing=True),
            planner.decide,
            planner.write,
            lambda cands: stats.wrote(len(cands)),
        )
    else:
        while True:
            # One transaction per chunk: its row locks, decisions and rows commit together.
            with transaction.atomic():
                cands = next(chunks, None)
                if cands is None:
                    break
                planner.write(planner.decide(_read(planner, req, cands, existing=not private)))
            stats.wrote(len(cands))
    finish_plan(plan, planner.outcome, whole=private)
    if stats.rows - stats.known >= ANALYZE_AFTER:  # for the worker's reads of the plan
        stats.analyze()
    planner.outcome.counts = Counter(plan.summary)
    return planner.outcome


def preview(req: SendRequest) -> Outcome:
    """What ``send`` would decide now, writing nothing."""
    at = req.at or timezone.now()
    planner = _Planner(req, None, Rules.current(), at)
    tasks: set[tuple[int | None, datetime]] = set()
    for cands in _candidate_chunks(req, lock=False):
        for c, d in planner.decide_chunk(cands, set()):
            if req.channel in STAFF_CONFIRMED and d.status != SendStatus.BLOCKED:
                tasks.add((None if req.channel == Channel.WECOM_MOMENT else c.staff_id, d.due_at))
    planner.outcome.tasks = len(tasks)
    return planner.outcome
