"""What the plan tells the apps that listen, without knowing them: an app connects a receiver
in its ``AppConfig.ready`` (the citizen platform tells an action's followers)."""

from __future__ import annotations

from django.dispatch import Signal

# sent inside the transaction of the change: sender=Action, action, subject, by
action_changed = Signal()
