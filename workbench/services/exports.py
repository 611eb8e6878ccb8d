"""Table exports from the desk: masked numbers only, and every export recorded on the server.

The desk holds numbers only to dial and to match incoming calls; what it writes to a file is
what its screens show (138****8000). The export is reported to the server first (who, what,
how many rows: the audit log), and the file is written only once the server has recorded it:
an export that cannot be audited (offline) is refused with a message that says so. Lists with
full numbers are an admin's export on the server (``GET /admin/export/customers?full=true``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

from workbench.core.errors import UserError
from workbench.core.phone import mask_middle
from workbench.services.server_api import OfflineError
from workbench.services.worklist import WorkItem

#: ``report(what, rows)``: record the export on the server (raises OfflineError when offline).
Reporter = Callable[[str, int], None]


class ExportRefused(UserError):
    """The export was not written; the message says why (safe to show)."""


def worklist_rows(items: Sequence[WorkItem]) -> list[list[str]]:
    """The work list as exported: what the table shows, the number masked."""
    rows = [["customer_id", "customer", "mobile", "policy", "kind", "status", "tier", "deal_p", "updated"]]
    for i in items:
        rows.append([i.customer_id, i.customer_name, mask_middle(i.phone), i.policy_name or "", i.kind, i.status,
                     i.lead_tier or "", "" if i.deal_p is None else f"{i.deal_p:.3f}",
                     i.when.isoformat() if i.when else ""])
    return rows


def export_worklist(items: Sequence[WorkItem], path: str | Path, report: Reporter | None) -> int:
    """Write the work list to ``path`` (CSV, UTF-8 with BOM for Excel) after the server has
    recorded the export; returns the rows written.

    Raises:
        ExportRefused: offline or no server link (the export could not be audited).
    """
    if report is None:
        raise ExportRefused("Exports are recorded on the server; connect to the server first.")
    try:
        report("work list", len(items))
    except OfflineError:
        raise ExportRefused("The server is not reachable, and exports are recorded there; try again online.") from None
    out = Path(path)
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(worklist_rows(items))
    return len(items)
