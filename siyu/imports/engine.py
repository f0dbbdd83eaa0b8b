"""The one import path, shared by `siyu import`, the console's import jobs and the benchmark.

Rows are streamed (the file is never held as a whole) and written in chunks, each chunk one
transaction, so SQLite's single write lock is held for a fraction of a second at a time and
WeCom callbacks keep being answered. Each chunk commits together with its counts and the
position it reached (``on_chunk``), which makes an interrupted import resumable: writing a
chunk again finds its rows unchanged, and resuming starts after the last committed chunk.

Without ``skip_invalid`` a first pass checks every row and nothing is written if one is
invalid. Conflicts (an order stored with other content) can only be seen against the
database: they are reported per row and never block the other rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from siyu.core.gc_pause import collect_recent, cycle_collector_paused
from siyu.core.sqlite_map import unmapped
from siyu.core.table_stats import analyze
from siyu.customers.batch_checks import References
from siyu.customers.models import Customer, Identity, IdentityLink, Order, OrderLine, Refund
from siyu.customers.orders import Outcome
from siyu.customers.retry import retry_on_conflict
from siyu.imports.bulk_identities import forget_keys
from siyu.imports.checks import Checked, validate_chunk, with_references
from siyu.imports.customer_rows import iter_customers
from siyu.imports.lazy_orders import iter_lazy_orders
from siyu.imports.rows import Parsed, ParsedItem, RowError
from siyu.imports.spill import Spill, SpilledChunk
from siyu.imports.unchanged import split_unchanged
from siyu.imports.writer import Options, Written, write_each

MAX_REPORTED_ERRORS = 10_000
PARSERS: dict[str, Callable[[list[str], Iterable[list[str]]], Iterator[Parsed]]] = {
    "customers": iter_customers,
    "orders": iter_lazy_orders,
}
ChunkWriter = Callable[[str, list[Checked], References, Options, Written], None]


@dataclass
class Tally:
    """What an import did, in items (customers or orders) and rows with problems."""

    created: int = 0
    unchanged: int = 0
    updated: int = 0
    rejected_rows: int = 0
    position: int = 0  # entries of the parsed stream consumed (items and row errors)
    rows: int = 0  # spreadsheet rows consumed
    errors: list[RowError] = field(default_factory=list)
    # The check pass's checked chunks, for the write pass to reuse (``spill``).
    spill: Spill | None = field(default=None, repr=False, compare=False)

    def add(self, written: Written, errors: list[RowError], entries: int, rows: int) -> None:
        self.created += written.created
        self.unchanged += written.unchanged
        self.updated += written.updated
        self.rejected_rows += len({e.row for e in errors})
        self.position += entries
        self.rows += rows
        room = MAX_REPORTED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def merge(self, other: Tally) -> None:
        self.created += other.created
        self.unchanged += other.unchanged
        self.updated += other.updated
        self.rejected_rows += other.rejected_rows
        self.position += other.position
        self.rows += other.rows
        self.errors.extend(other.errors[: max(0, MAX_REPORTED_ERRORS - len(self.errors))])

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class Chunk:
    items: list[ParsedItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    entries: int = 0
    rows: int = 0


def chunks(parsed: Iterable[Parsed], skip: int = 0) -> Iterator[Chunk]:
    """Consecutive entries of the stream, about ``SIYU_IMPORT_CHUNK_ROWS`` rows each, after
    the first ``skip`` entries (those an interrupted run already committed)."""
    size = settings.SIYU_IMPORT_CHUNK_ROWS
    chunk = Chunk()
    for n, entry in enumerate(parsed):
        if n < skip:
            continue
        chunk.entries += 1
        if isinstance(entry, RowError):
            chunk.errors.append(entry)
            chunk.rows += 1
        else:
            chunk.items.append(entry)
            chunk.rows += len(entry.rows)
        if chunk.rows >= size:
            yield chunk
            chunk = Chunk()
    if chunk.entries:
        yield chunk


def check_stream(
    kind: str,
    header: list[str],
    rows: Iterable[list[str]],
    progress: Callable[[int], None],
    *,
    keep: bool = False,
) -> Tally:
    """Every problem of the file, writing nothing. With ``keep`` the checked items of a
    clean file are kept (``Tally.spill``) so ``write_stream`` need not check them again."""
    tally = Tally(spill=Spill() if keep else None)
    forget_keys()
    # Paused for the parsing too: its allocations set off the collections that walked
    # the kept chunks (a quarter of an order import).
    with cycle_collector_paused(), unmapped():
        for chunk in chunks(PARSERS[kind](header, rows)):
            _check_chunk(kind, chunk, tally)
            progress(chunk.rows)
            # Only what the spill holds in memory stays alive for the collection to walk
            # (a chunk it wrote to disk is let go of: its check's lists were locals).
            chunk.items.clear()
            collect_recent()
    return tally


def _check_chunk(kind: str, chunk: Chunk, tally: Tally) -> None:
    same, rest, found = split_unchanged(kind, chunk.items, lines=False)
    valid, errors = validate_chunk(kind, rest)
    good, missing, _refs = with_references(valid)
    tally.add(Written(), chunk.errors + found + errors + missing, chunk.entries, chunk.rows)
    if tally.spill is not None and tally.rejected_rows:
        tally.spill.close()  # a file with problems is not written: nothing to keep
    elif tally.spill is not None:
        for item, _model in good:
            item.raw = {}  # read by the checks only
        tally.spill.put(SpilledChunk(chunk.entries, chunk.rows, good, same))


def _checked_chunks(
    kind: str, header: list[str], rows: Iterable[list[str]], skip: int, checked: Tally | None
) -> Iterator[tuple[Chunk, list[Checked], list[ParsedItem]]]:
    """Each chunk with the problems found so far, the items that passed the schema and
    those identical to what is stored: from the check pass's spill when it kept one, else
    parsed and checked now."""
    spill = checked.spill if checked is not None and not checked.rejected_rows else None
    if spill is not None and not skip:
        for kept in spill:
            yield Chunk(entries=kept.entries, rows=kept.rows), kept.valid, kept.same
        return
    for chunk in chunks(PARSERS[kind](header, rows), skip):
        yield _checked_now(kind, chunk)


def _checked_now(kind: str, chunk: Chunk) -> tuple[Chunk, list[Checked], list[ParsedItem]]:
    # Lines aside, as in the check pass: the write compares these again, lines too.
    same, rest, found = split_unchanged(kind, chunk.items, lines=False)
    valid, errors = validate_chunk(kind, rest)
    chunk.errors.extend(found + errors)
    return chunk, valid, same


def _write_checked(
    kind: str,
    valid: list[Checked],
    same: list[ParsedItem],
    options: Options,
    write: ChunkWriter,
) -> tuple[Written, list[RowError]]:
    """One chunk's writes, inside its transaction. Items found identical to what is
    stored are compared again now: those still identical are unchanged, the others are
    checked and written like the rest."""
    still, moved, found = split_unchanged(kind, same)
    extra, errors = validate_chunk(kind, moved)
    good, missing, refs = with_references(valid + extra)
    written = Written()
    for item in still:
        written.count(Outcome.UNCHANGED, item)
    write(kind, good, refs, options, written)
    return written, found + errors + missing + written.errors


def write_stream(
    kind: str,
    header: list[str],
    rows: Iterable[list[str]],
    options: Options,
    *,
    skip: int = 0,
    on_chunk: Callable[[Tally], None] = lambda delta: None,
    progress: Callable[[int], None] = lambda rows: None,
    writer: ChunkWriter | None = None,
    checked: Tally | None = None,
) -> Tally:
    """Write the file chunk by chunk; ``on_chunk`` runs inside each chunk's transaction.
    ``checked`` is the file's check pass (``check_stream(keep=True)``), if it ran."""
    from siyu.imports.bulk import write_chunk

    write = writer or write_chunk
    tally = Tally(position=skip)
    if checked is None:
        forget_keys()
    try:
        _write_chunks(
            kind,
            _checked_chunks(kind, header, rows, skip, checked),
            write,
            tally,
            Run(options, on_chunk, progress),
        )
    finally:
        forget_keys()
    if tally.created or tally.updated:
        refresh_segments()
    return tally


@dataclass(frozen=True)
class Run:
    options: Options
    on_chunk: Callable[[Tally], None]
    progress: Callable[[int], None]


def _write_chunks(
    kind: str,
    checked: Iterable[tuple[Chunk, list[Checked], list[ParsedItem]]],
    write: ChunkWriter,
    tally: Tally,
    run: Run,
) -> None:
    statistics = Statistics(kind)
    with cycle_collector_paused(), unmapped():  # as in ``check_stream``: parsing included
        for chunk, valid, same in checked:

            def attempt(
                chunk: Chunk = chunk, valid: list[Checked] = valid, same: list[ParsedItem] = same
            ) -> Tally:
                delta = Tally()
                with transaction.atomic():
                    written, found = _write_checked(kind, valid, same, run.options, write)
                    delta.add(written, chunk.errors + found, chunk.entries, chunk.rows)
                    run.on_chunk(delta)
                return delta

            # A chunk is idempotent, so a lock timeout or deadlock against another writer
            # (SQLite's one write lock, PostgreSQL's row locks) just runs it again.
            tally.merge(retry_on_conflict(attempt))
            statistics.wrote(tally.created)
            run.progress(chunk.rows)
            # The chunk's items let go of before collecting (nothing reads them again):
            # alive, they were the young objects the collection walked, 5 ms a chunk of
            # customers.
            valid.clear()
            same.clear()
            chunk.items.clear()
            collect_recent()
    statistics.done(tally.created)


# The tables an import of each kind fills.
FILLED = {
    "customers": (Customer, Identity, IdentityLink),
    "orders": (Order, OrderLine, Refund),
}
ANALYZE_EVERY = 10_000  # items created
ANALYZE_AT_END = 1_000


@dataclass
class Statistics:
    """Keeps the planner's statistics of the tables an import fills up to date as it
    fills them (``core.table_stats``): the import's own lookups of later chunks, and the
    next import's, were planned as scans on a table analysed empty or never."""

    kind: str
    analysed_at: int = 0  # items created when last analysed

    def wrote(self, created: int) -> None:
        if created - self.analysed_at >= ANALYZE_EVERY:
            self._analyze(created)

    def done(self, created: int) -> None:
        if created - self.analysed_at >= ANALYZE_AT_END:
            self._analyze(created)

    def _analyze(self, created: int) -> None:
        analyze(*FILLED[self.kind])
        self.analysed_at = created


def refresh_segments() -> None:
    """Bulk inserts fire no save signals: once the file is in, one sweep brings segment
    membership up to date (rather than one refresh task per imported customer)."""
    from siyu.segments.tasks import refresh_all_segments

    transaction.on_commit(refresh_all_segments.enqueue)


def per_item_writer(
    kind: str, checked: list[Checked], refs: References, options: Options, out: Written
) -> None:
    """Every item through the verbs: the baseline the bulk path is measured against."""
    write_each(kind, checked, refs, options, out)
