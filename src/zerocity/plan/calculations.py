"""Plan arithmetic: the Climate City Contract emission-gap table (A-2.1) and action costs.
Pure functions over plain data.

Columns, with the template's own definitions (research note ghg-standards.md §5.4):
(1) baseline; (2) target = reduction share x baseline (the reduction to achieve, 80 % by
default); (3) reduction through existing national and regional policies; (4) gap = (2) - (3);
(5) reduction quantified for the city's action portfolio; (6) residual = (1) - (2), at most
20 % of the baseline under the Mission Info Kit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

# Source sectors of table, and the field-of-action row cities add for energy
# systems (its reductions are counted in the portfolio, with no baseline of its own).
SECTORS = ("buildings", "transport", "waste", "ippu", "afolu")
FIELD_ROWS = ("energy_systems",)
MAX_RESIDUAL_SHARE = 0.20


@dataclass(frozen=True, slots=True)
class GapRow:
    baseline: float
    target: float
    existing: float
    gap: float
    portfolio: float
    residual: float

    @property
    def shortfall(self) -> float:
        """What the portfolio leaves of the gap: counted as residual until closed."""
        return max(self.gap - self.portfolio, 0.0)

    def shares(self) -> dict[str, float | None]:
        """Each column as a share of the row's baseline (the table's % sub-columns)."""
        if not self.baseline:
            return dict.fromkeys(("target", "existing", "gap", "portfolio", "residual"))
        return {k: getattr(self, k) / self.baseline
                for k in ("target", "existing", "gap", "portfolio", "residual")}

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class GapTable:
    sectors: dict[str, GapRow]
    total: GapRow
    reduction_share: float

    @property
    def residual_share(self) -> float:
        return self.total.residual / self.total.baseline if self.total.baseline else 0.0

    @property
    def residual_too_high(self) -> bool:
        """More than 20 % residual: the plan does not meet the Mission's 80 % minimum."""
        return self.residual_share > MAX_RESIDUAL_SHARE + 1e-12

    @property
    def portfolio_closes_gap(self) -> bool:
        return self.total.portfolio >= self.total.gap

    def as_dict(self) -> dict[str, object]:
        return {
            "sectors": {k: v.as_dict() for k, v in self.sectors.items()},
            "total": self.total.as_dict(),
            "reduction_share": self.reduction_share,
            "residual_share": self.residual_share,
            "residual_too_high": self.residual_too_high,
            "portfolio_closes_gap": self.portfolio_closes_gap,
        }


def emission_gap(
    baseline: Mapping[str, float],
    existing: Mapping[str, float],
    portfolio: Mapping[str, float],
    *,
    reduction_share: float = 0.8,
) -> GapTable:
    """The A-2.1 table per sector and in total (tCO2e).

    ``baseline`` is keyed by source sector; ``existing`` and ``portfolio`` by source sector or
    by a field-of-action row (``energy_systems``), which carries reductions but no baseline.
    """
    if not 0 < reduction_share <= 1:
        raise ValueError("the reduction target is a share of the baseline between 0 and 1")
    unknown = (set(existing) | set(portfolio) | set(baseline)) - set(SECTORS) - set(FIELD_ROWS)
    if unknown:
        raise ValueError(f"unknown sector rows: {', '.join(sorted(unknown))}")
    rows: dict[str, GapRow] = {}
    for key in (*SECTORS, *FIELD_ROWS):
        if key not in baseline and key not in existing and key not in portfolio:
            continue
        b = baseline.get(key, 0.0)
        target = reduction_share * b
        e = existing.get(key, 0.0)
        rows[key] = GapRow(baseline=b, target=target, existing=e, gap=target - e,
                           portfolio=portfolio.get(key, 0.0), residual=b - target)
    total = GapRow(**{
        col: math.fsum(getattr(r, col) for r in rows.values())
        for col in ("baseline", "target", "existing", "gap", "portfolio", "residual")
    })
    return GapTable(sectors=rows, total=total, reduction_share=reduction_share)


def cost_per_tonne(total_cost: Decimal, tonnes_per_year: float) -> Decimal | None:
    """Euros per tonne CO2e a year, rounded to the euro as the CCC tables print it."""
    if tonnes_per_year <= 0:
        return None
    value = total_cost / Decimal(repr(tonnes_per_year))
    return value.quantize(Decimal("1"), ROUND_HALF_UP)
