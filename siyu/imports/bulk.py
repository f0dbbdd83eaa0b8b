"""Writing a chunk of checked items: the common cases in bulk, the rest item by item."""

from __future__ import annotations

from siyu.customers.batch_checks import References
from siyu.imports.checks import Checked
from siyu.imports.writer import Options, Written, write_each


def write_chunk(
    kind: str, checked: list[Checked], refs: References, options: Options, out: Written
) -> None:
    write_each(kind, checked, refs, options, out)
