"""The gas top-up as a technician sees it in maintenance mode: purchases not finished (a paid purchase waiting
for its card, 补写卡; a reversal or refund under way) and the day's reconciliation (对账) between the journal,
the utility and the payers, each as a line of text with an alert flag. Card numbers stay masked. No Kivy.

    pending_lines(journal, texts)                       # blocking: read the journal off the UI thread
    reconciliation_lines(reconcile(...), texts)         # the day's verdict first, then every flagged order
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kiosk.gas.journal import Journal, JournalEntry, PurchaseState
from kiosk.gas.reconciliation import DayReconciliation, ReconciliationLine

__all__ = ["TechnicianLine", "pending_lines", "reconciliation_lines", "yuan"]

Texts = Callable[..., str]

# What the technician is told to expect of each unfinished state (all resolve by themselves but WRITE_FAILED,
# which waits for the citizen's card, on this or any terminal).
_PENDING_ALERT = {PurchaseState.WRITE_FAILED, PurchaseState.REVERSING}


@dataclass(frozen=True)
class TechnicianLine:
    text: str
    alert: bool = False


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def pending_lines(journal: Journal, texts: Texts) -> list[TechnicianLine]:
    """Every purchase that is not finished, oldest first; one line saying so when there is none."""
    entries = journal.unfinished()
    if not entries:
        return [TechnicianLine(texts("maintenance.gas_none_pending"))]
    return [_pending(entry, texts) for entry in entries]


def _pending(entry: JournalEntry, texts: Texts) -> TechnicianLine:
    what = texts(f"maintenance.gas_state.{entry.state.value}")
    problem = f" · {entry.problem}" if entry.problem else ""
    return TechnicianLine(f"{entry.created_at[5:16].replace('T', ' ')}  {entry.order_id}  {entry.card_masked}  "
                          f"{yuan(entry.amount_fen)} 元  {what}{problem}", entry.state in _PENDING_ALERT)


def reconciliation_lines(day: DayReconciliation, texts: Texts) -> list[TechnicianLine]:
    """The verdict with the three sides' totals, then each order that does not agree, with its differences."""
    totals = day.totals
    verdict = texts("maintenance.gas_balanced" if day.balanced else "maintenance.gas_unbalanced",
                    day=day.day.isoformat(), orders=len(day.lines), flagged=len(day.flagged))
    lines = [TechnicianLine(verdict, not day.balanced),
             TechnicianLine(texts("maintenance.gas_totals", journal=yuan(totals.journal_kept_fen),
                                  utility=yuan(totals.utility_kept_fen), payers=yuan(totals.payer_kept_fen),
                                  written=yuan(totals.written_fen), waiting=yuan(totals.awaiting_write_fen),
                                  refunded=yuan(totals.refunded_fen)), not totals.agree)]
    lines += [_flagged(line, texts) for line in day.flagged]
    if day.rewrites_for_others:
        lines.append(TechnicianLine(texts("maintenance.gas_rewrites_for_others", count=len(day.rewrites_for_others))))
    return lines


def _flagged(line: ReconciliationLine, texts: Texts) -> TechnicianLine:
    differences = "、".join(texts(f"maintenance.gas_flag.{flag}") for flag in line.flags)
    order = line.order_id or line.utility_order_id
    return TechnicianLine(f"{order}  {line.card_masked}  {yuan(line.amount_fen)} 元  "
                          f"{line.journal_state or '-'}/{line.utility_state or '-'}/{line.payer_state or '-'}: "
                          f"{differences}", True)
