"""Events of the city card that other parts of the card react to, without the sender importing
them (rewards records a walk; challenges counts it)."""

from __future__ import annotations

from django.dispatch import Signal

# sent inside the walk's transaction, once, when a new day's walk is recorded: walk
walk_recorded = Signal()
