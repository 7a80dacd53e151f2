"""What the backup drill compares, computed the same way in the test (on the original) and
in a process on the restored installation (``python tests/drill.py figures|open CITY``)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def figures(slug: str) -> dict[str, Any]:
    import duckdb
    from django.conf import settings

    from zerocity.card.services import reconcile
    from zerocity.core.models import City
    from zerocity.data.models import Batch
    from zerocity.food.models import Tender
    from zerocity.inventory.models import Inventory
    from zerocity.inventory.selectors import summary
    from zerocity.plan.models import Observation

    city = City.objects.get(slug=slug)
    ledger = reconcile(city)
    parquet = Path(settings.DATA_DIR) / "readings" / "**" / "*.parquet"
    con = duckdb.connect()
    (readings,) = con.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchall()[0]
    con.close()
    return {
        "inventories": {str(inv.year): {k: round(v, 6) for k, v in summary(inv)["totals"].items()}
                        for inv in Inventory.objects.filter(city=city).order_by("year")},
        "ledger": [ledger.clean, ledger.accounts, ledger.transactions],
        "readings": readings,
        "batches": list(Batch.objects.order_by("pk").values_list("pk", "accepted")),
        "observations": Observation.objects.count(),
        "tenders": sorted(Tender.objects.values_list("procurement__reference", "status",
                                                     "sha256")),
        "secret_key": settings.SECRET_KEY,
    }


def open_tenders(slug: str, passphrases: dict[str, str]) -> dict[str, Any]:
    """The demo's procurement waiting for its openers: a wrong passphrase is refused, one
    approval opens nothing, the second opens every tender."""
    from django.contrib.auth import get_user_model
    from django.utils.timezone import now

    from zerocity.core.errors import Conflict
    from zerocity.food.models import ProcurementStatus, Tender, TenderStatus
    from zerocity.food.services import tendering

    sp = (Tender.objects.filter(procurement__dps__city__slug=slug, status=TenderStatus.SEALED,
                                procurement__status__in=(ProcurementStatus.TENDERING,
                                                         ProcurementStatus.OPENING),
                                procurement__tender_deadline__lt=now())
          .select_related("procurement").first())
    assert sp is not None, "the demo has a procurement waiting to be opened"
    procurement = sp.procurement
    users = {u.username: u for u in get_user_model().objects.filter(username__in=passphrases)}
    first, second = sorted(passphrases)
    out: dict[str, Any] = {"reference": procurement.reference}
    try:
        tendering.approve_opening(procurement, users[first], "not the passphrase", at=now())
        out["wrong"] = "opened"
    except Conflict:
        out["wrong"] = "refused"
    tendering.approve_opening(procurement, users[first], passphrases[first], at=now())
    out["after_one"] = sorted(procurement.tenders.values_list("status", flat=True))
    tendering.approve_opening(procurement, users[second], passphrases[second], at=now())
    out["after_two"] = sorted(procurement.tenders.values_list("status", flat=True))
    out["contents"] = sorted(json.dumps(t.content, sort_keys=True)
                             for t in procurement.tenders.all())
    return out


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zerocity.settings")
    import django

    django.setup()
    what, slug = sys.argv[1], sys.argv[2]
    if what == "figures":
        print(json.dumps(figures(slug)))
    else:
        print(json.dumps(open_tenders(slug, json.loads(sys.stdin.read()))))
