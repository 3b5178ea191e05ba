"""Which of two status changes of one order the profile's history shows.

Events reach auth in any order, so the newer change wins. Two changes can carry the same
timestamp (one clock tick, or the orders service stamping a chain of transitions at once);
then the arrival order must not decide, or ``processing`` arriving after ``paid`` would show
an order as unpaid again. On a tie the status further along the orders service's status
machine wins::

    created < processing < paid < delivered, and cancelled (final) beats all of them

A payment that fails moves ``processing`` back to ``created``; that edge never shares a
timestamp with the step it undoes, so the tie rule does not need to know about it.
"""

from __future__ import annotations

from datetime import datetime

# How far along the status machine a status is. ``delivered`` and ``cancelled`` are both
# final and never follow each other, so their relative rank never decides anything.
PROGRESS = {"created": 0, "processing": 1, "paid": 2, "delivered": 3, "cancelled": 4}


def supersedes(status: str, changed_at: datetime, *, shown_status: str, shown_at: datetime) -> bool:
    """Whether a change to ``status`` at ``changed_at`` replaces the status shown now."""
    if changed_at != shown_at:
        return changed_at > shown_at
    # A status this service does not know yet loses a tie rather than undo a known one.
    return PROGRESS.get(status, -1) >= PROGRESS.get(shown_status, -1)
