"""The city card's part of a person's data (``core.hooks.personal_data``), GDPR Art. 15, 17
and 20: their accounts and their minors', cards (never the token), money movements, passes,
concessions, taps, eco-points, challenges and walks."""

from __future__ import annotations

from typing import Any

from zerocity.card import accounts, rewards, selectors
from zerocity.card.models import CardAccount, LedgerEntry, Tap
from zerocity.core.errors import Conflict
from zerocity.core.models import City


def _account(account: CardAccount) -> dict[str, Any]:
    return {
        "account": account.pk,
        "holder": account.holder.get_username() if account.holder else None,
        "guardian_account": account.guardian_id,
        "opened": account.created_at.isoformat(),
        "balance_eur": str(accounts.balance(account)),
        "eco_points": rewards.balance(account),
        "cards": [{"kind": m.kind, "label": m.label, "status": m.status,
                   "status_reason": m.status_reason, "issued": m.issued_at.isoformat()}
                  for m in account.media.order_by("id")],
        "money": [{"transaction": e.transaction_id, "kind": e.transaction.kind,
                   "at": e.transaction.created_at.isoformat(), "amount_eur": str(e.amount),
                   "balance_after_eur": str(e.balance_after), "reason": e.transaction.reason}
                  for e in LedgerEntry.objects.filter(account=account.wallet)
                  .select_related("transaction").order_by("id")],
        "passes": [{"product": p.product, "valid_from": p.valid_from.isoformat(),
                    "valid_to": p.valid_to.isoformat()}
                   for p in account.entitlements.order_by("valid_from")],
        "concessions": [{"category": c.category, "valid_from": c.valid_from.isoformat(),
                         "expires": c.expires_at.isoformat(), "verified_by": c.verified_by,
                         "evidence_ref": c.evidence_ref}
                        for c in account.eligibilities.order_by("valid_from")],
        "taps": [{"at": t.at.isoformat(), "service": t.service, "vehicle": t.vehicle,
                  "route": t.route, "stop": t.stop, "decision": "accept" if t.accepted
                  else "deny", "reason": t.reason, "fare_eur": str(t.fare),
                  "device": t.validator.device_id}
                 for t in Tap.objects.filter(medium__account=account)
                 .select_related("validator").order_by("at")],
        "eco_points_entries": [{"at": p.at.isoformat(), "points": p.points, "kind": p.kind,
                                "reason": p.reason} for p in account.points.order_by("at")],
        "challenges": [{"challenge": e.challenge.code, "joined": e.joined_at.isoformat(),
                        "completed": e.completed_at.isoformat() if e.completed_at else None}
                       for e in account.challenge_entries.select_related("challenge")],
        "walks": [{"day": w.day.isoformat(), "km": str(w.km), "evidence": w.evidence}
                  for w in account.walks.order_by("day")],
    }


def export(user: Any, city: City) -> dict[str, Any]:
    return {"note": "Trip records used for analysis are pseudonymised per month and only "
                    "aggregates leave the city card; they are not part of your personal data "
                    "held by the city card.",
            "accounts": [_account(a) for a in selectors.accounts_for_user(user, city)]}


def erase(user: Any, city: City) -> None:
    """A person with an open card account closes it first (at the desk or on their card
    page): its balance is refunded and its cards blocked, which deleting the platform account
    must not do behind their back."""
    if CardAccount.objects.filter(holder=user, closed_at__isnull=True).exists():
        raise Conflict("close your city card account first (its balance is refunded); then "
                       "delete your account")
