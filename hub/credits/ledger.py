"""How klip move through lots: a pure model of the ledger, so its rules can be proven.

Every entry that adds klip (a grant, a refund, a positive correction) opens a *lot* with an
optional expiry. Every entry that takes klip (a spend, a negative correction) uses the oldest
lots first, skipping lots that had expired by then; an expiry entry empties the one lot it
names. The balance is the sum of the entries; what may be spent *now* leaves out lots that
have expired but whose expiry entry the scheduled job has not written yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.credits.models import EntryKind, KlipEntry


@dataclass
class Lot:
    entry_id: int
    opened_at: datetime
    expires_at: datetime | None
    remaining: int

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass
class Ledger:
    lots: list[Lot] = field(default_factory=list)
    # For each entry that took klip: which lots it used, and how many from each.
    used: dict[int, list[tuple[Lot, int]]] = field(default_factory=dict)
    shortfall: int = 0  # klip taken that no lot covered (never, if the rules hold)

    def available(self, now: datetime) -> int:
        return sum(lot.remaining for lot in self.lots if not lot.expired(now))

    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots) - self.shortfall

    def due_to_expire(self, now: datetime) -> list[Lot]:
        return [lot for lot in self.lots if lot.expired(now) and lot.remaining > 0]

    def expiring(self, now: datetime) -> list[Lot]:
        """Lots that will expire, soonest first."""
        live = [lot for lot in self.lots if lot.remaining > 0 and lot.expires_at and not lot.expired(now)]
        return sorted(live, key=lambda lot: lot.expires_at)


def replay(entries: list[KlipEntry]) -> Ledger:
    """Rebuild the lots from entries in the order they were written."""
    ledger = Ledger()
    by_id: dict[int, Lot] = {}
    for entry in sorted(entries, key=lambda e: (e.created_at, e.id)):
        if entry.amount > 0:
            lot = Lot(entry.id, entry.created_at, entry.expires_at, entry.amount)
            ledger.lots.append(lot)
            by_id[entry.id] = lot
        elif entry.kind == EntryKind.EXPIRY and entry.source_entry_id in by_id:
            lot = by_id[entry.source_entry_id]
            take = min(lot.remaining, -entry.amount)
            lot.remaining -= take
            ledger.used[entry.id] = [(lot, take)]
            ledger.shortfall += -entry.amount - take
        else:
            need, used = -entry.amount, []
            for lot in ledger.lots:
                if need == 0:
                    break
                if lot.remaining and not lot.expired(entry.created_at):
                    take = min(lot.remaining, need)
                    lot.remaining -= take
                    need -= take
                    used.append((lot, take))
            ledger.used[entry.id] = used
            ledger.shortfall += need
    return ledger
