"""The vectorised pathway engine: a years x rows matrix of activity and one of factors.

``Model`` compiles rows, drivers and actions once (target rows resolved to index arrays, ramps to
year vectors, the derived rows that receive switched energy created); ``Model.run(scenario)``
then applies the effects of the scenario's actions in this order (docs/pathways.md):

1. baseline     activity x growth index (population, sector activity); factor, with grid
                electricity on the grid-factor trajectory
2. demand       every ReduceDemand multiplies activity by (1 - share x ramp); reductions combine
                multiplicatively, so two actions never cut the same MWh twice
3. switch       every SwitchCarrier moves a share of the demand-reduced activity of a source
                row; switches on one row combine multiplicatively (like demand) and the moved
                energy is shared among them in proportion to share x ramp; the new carrier gets
                moved x efficiency_from / efficiency_to in a derived row
4. factor       ChangeFactor, in the model's action order: x (1 - share x ramp), or a move of
                ramp x (new - current) towards the new factor
   activity     then every ChangeActivity adds its MWh x ramp to its derived row, or takes them
                off its target rows of the carrier pro rata (never below zero)
5. renewables   AddLocalRenewable displaces consumption pro rata: each row's factor becomes
                f x (1 - L) + sum(s x local factor), L = sum of production / consumption shares,
                capped at 1 (surplus production is exported and not credited)
6. emissions    activity x factor
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from zerocity.inventory import gpc
from zerocity.inventory.calculations import Line
from zerocity.pathways.model import (
    ELECTRICITY,
    ENERGY_UNIT,
    Action,
    ActionKind,
    ActivityRow,
    AddLocalRenewable,
    ChangeActivity,
    ChangeFactor,
    Drivers,
    Effect,
    FloatArray,
    Ramp,
    Rate,
    ReduceDemand,
    Scenario,
    ScenarioKind,
    SwitchCarrier,
    Target,
)

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

GRID_CARRIERS = frozenset({ELECTRICITY, "district_heat"})
DEFAULT_END_YEAR = 2050


@dataclass(frozen=True)
class Result:
    """One scenario's pathway: ``activity``, ``factor`` and ``emissions`` are years x rows.
    ``observed`` (progress results only) marks the cells that hold observed values."""

    name: str
    years: npt.NDArray[np.int64]
    rows: tuple[ActivityRow, ...]
    activity: FloatArray
    factor: FloatArray
    emissions: FloatArray
    observed: BoolArray | None = None

    def index(self, year: int) -> int:
        i = int(year - self.years[0])
        if not 0 <= i < len(self.years):
            raise KeyError(f"{year} is outside the modelled years "
                           f"{self.years[0]}-{self.years[-1]}")
        return i

    def total(self) -> FloatArray:
        """tCO2e per year, every row."""
        return np.asarray(self.emissions.sum(axis=1))

    def total_in(self, year: int) -> float:
        return float(self.emissions[self.index(year)].sum())

    def by(self, attr: str = "ccc_sector") -> dict[str, FloatArray]:
        """tCO2e per year grouped by a row attribute (ccc_sector, sector, gpc_ref, carrier,
        scope), in order of first appearance."""
        groups: dict[str, list[int]] = {}
        for j, row in enumerate(self.rows):
            groups.setdefault(str(getattr(row, attr)), []).append(j)
        return {k: np.asarray(self.emissions[:, idx].sum(axis=1)) for k, idx in groups.items()}

    def row(self, key: str) -> FloatArray:
        for j, row in enumerate(self.rows):
            if row.key == key:
                return np.asarray(self.emissions[:, j])
        raise KeyError(f"no row {key!r}")


@dataclass(frozen=True)
class _Op:
    action: int  # index into Model.actions
    effect: Effect
    rows: IntArray  # target rows
    ramp: FloatArray  # default in-force fraction per year
    dest: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    # SwitchCarrier: sources x unique destinations, each entry the MWh-to-MWh ratio
    dest_map: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))


def growth_index(rate: Rate, years: npt.NDArray[np.int64]) -> FloatArray:
    """Cumulative growth from the first year: 1 in the first year, x (1 + rate) every year."""
    if isinstance(rate, Mapping):
        g = np.array([float(rate.get(int(y), 0.0)) for y in years])
    else:
        g = np.full(len(years), float(rate))
    g[0] = 0.0
    return np.asarray(np.cumprod(1.0 + g), dtype=np.float64)


def grid_ref(ref: str, to_carrier: str, grid_carriers: frozenset[str] = GRID_CARRIERS) -> str:
    """The GPC sub-category that receives energy switched to ``to_carrier``: grid energy
    (I.x.2, II.x.2) for grid carriers, fuel combustion (I.x.1, II.x.1) otherwise."""
    parts = ref.split(".")
    if parts[0] in ("I", "II") and len(parts) == 3:
        candidate = ".".join([*parts[:2], "2" if to_carrier in grid_carriers else "1"])
        if candidate in gpc.taxonomy():
            return candidate
    return ref


class Model:
    """Rows, drivers and every action a scenario may switch on, compiled for fast runs."""

    def __init__(
        self,
        rows: Sequence[ActivityRow],
        *,
        base_year: int,
        end_year: int = DEFAULT_END_YEAR,
        drivers: Drivers | None = None,
        actions: Sequence[Action] = (),
        carrier_factors: Mapping[str, float] | None = None,
        grid_carriers: frozenset[str] = GRID_CARRIERS,
    ) -> None:
        if end_year < base_year:
            raise ValueError("the end year is before the base year")
        keys = [r.key for r in rows]
        if len(set(keys)) != len(keys):
            raise ValueError("row keys must be unique")
        ids = [a.id for a in actions]
        if len(set(ids)) != len(ids):
            raise ValueError("action ids must be unique")
        self.base_year = base_year
        self.end_year = end_year
        self.years: npt.NDArray[np.int64] = np.arange(base_year, end_year + 1, dtype=np.int64)
        self.drivers = drivers or Drivers()
        self.actions: tuple[Action, ...] = tuple(actions)
        self.action_ids: frozenset[str] = frozenset(ids)
        self._action_index = {a.id: i for i, a in enumerate(self.actions)}
        self.grid_carriers = grid_carriers
        self.carrier_factors = dict(carrier_factors or {})
        self.warnings: list[str] = []
        self.base_rows: tuple[ActivityRow, ...] = tuple(rows)
        self.rows: tuple[ActivityRow, ...] = self.base_rows + self._derived_rows()
        self._key_index = {r.key: j for j, r in enumerate(self.rows)}
        self._baseline()
        self._compile()

    # -- scenarios -------------------------------------------------------------------------------

    def baseline(self) -> Scenario:
        return Scenario("baseline", frozenset(), kind=ScenarioKind.BASELINE)

    def with_existing_measures(self) -> Scenario:
        ids = frozenset(a.id for a in self.actions if a.kind is ActionKind.EXISTING)
        return Scenario("with existing measures", ids, kind=ScenarioKind.EXISTING)

    def plan(self) -> Scenario:
        return Scenario("plan", self.action_ids, kind=ScenarioKind.PLAN)

    def custom(self, name: str, action_ids: Iterable[str],
               ramps: Mapping[str, Ramp] | None = None) -> Scenario:
        """Any subset of the actions, any ramp (checked when the scenario runs)."""
        return Scenario(name, frozenset(action_ids), dict(ramps or {}))

    def action(self, action_id: str) -> Action:
        return self.actions[self._action_index[action_id]]

    def scenario_ids(self, scenario: Scenario) -> frozenset[str]:
        return self.action_ids if scenario.actions is None else scenario.actions

    # -- compile ---------------------------------------------------------------------------------

    def _carrier_factor(self, carrier: str) -> float:
        if carrier in self.carrier_factors:
            return float(self.carrier_factors[carrier])
        same = [r for r in self.base_rows if r.carrier == carrier and r.activity > 0]
        total = sum(r.activity for r in same)
        if not same or total <= 0:
            raise ValueError(f"no emission factor for carrier {carrier!r}: give the switch a "
                             "to_factor or the model a carrier_factors entry")
        return sum(r.activity * r.factor for r in same) / total

    @staticmethod
    def _effect_target(action: Action, effect: Effect) -> Target:
        return effect.target if effect.target is not None else action.targets

    def _switch_sources(self, action: Action, effect: SwitchCarrier) -> list[int]:
        target = self._effect_target(action, effect)
        return [j for j, r in enumerate(self.base_rows)
                if r.carrier == effect.from_carrier and r.unit == ENERGY_UNIT
                and target.matches(r)]

    def _dest_key(self, src: ActivityRow, effect: SwitchCarrier) -> tuple[str, str, str, float,
                                                                          bool]:
        ref = effect.to_gpc_ref or grid_ref(src.gpc_ref, effect.to_carrier, self.grid_carriers)
        follows = effect.to_carrier == ELECTRICITY and effect.to_factor is None
        factor = (effect.to_factor if effect.to_factor is not None
                  else self._carrier_factor(effect.to_carrier))
        return ref, effect.to_carrier, src.ccc_sector, factor, follows

    def _added_key(self, effect: ChangeActivity) -> tuple[str, str, str, float, bool]:
        ref = effect.to_gpc_ref or ""
        try:
            ccc = Line(ref=ref).ccc.value
        except KeyError as exc:
            raise ValueError(f"ChangeActivity: {ref!r} is not a GPC reference") from exc
        follows = effect.carrier == ELECTRICITY and effect.to_factor is None
        factor = (effect.to_factor if effect.to_factor is not None
                  else self._carrier_factor(effect.carrier))
        return ref, effect.carrier, ccc, factor, follows

    def _derived_rows(self) -> tuple[ActivityRow, ...]:
        out: dict[tuple[str, str, str, float, bool], ActivityRow] = {}

        def derive(dk: tuple[str, str, str, float, bool], src: ActivityRow | None,
                   how: str) -> None:
            if dk in out:
                return
            ref, carrier, ccc, factor, follows = dk
            try:
                cat = gpc.category(ref)
                sector, scope = cat.sector, cat.scope
            except KeyError:
                assert src is not None  # an added row's reference was checked in _added_key
                sector, scope = src.sector, src.scope
            suffix = "grid" if follows else repr(factor)
            out[dk] = ActivityRow(
                key=f"{ref}|{carrier}|{ccc}|{suffix}", gpc_ref=ref,
                label=f"{carrier} from {how} ({ref}, {ccc})", carrier=carrier,
                activity=0.0, factor=factor, unit=ENERGY_UNIT, sector=sector,
                ccc_sector=ccc, scope=scope, follows_grid=follows, derived=True,
            )

        for action in self.actions:
            for effect in action.effects:
                if isinstance(effect, SwitchCarrier):
                    for j in self._switch_sources(action, effect):
                        src = self.base_rows[j]
                        derive(self._dest_key(src, effect), src, "switching")
                elif isinstance(effect, ChangeActivity) and effect.mwh > 0:
                    derive(self._added_key(effect), None, "added activity")
        taken = {r.key for r in self.base_rows}
        clash = taken & {r.key for r in out.values()}
        if clash:
            raise ValueError(f"derived row keys clash with inventory rows: {sorted(clash)}")
        return tuple(out.values())

    def _baseline(self) -> None:
        d = self.drivers
        years = self.years
        pop = growth_index(d.population_growth, years)
        cache: dict[int, FloatArray] = {}

        def index_for(rate: Rate) -> FloatArray:
            if id(rate) not in cache:
                cache[id(rate)] = growth_index(rate, years)
            return cache[id(rate)]

        n, y = len(self.rows), len(years)
        activity = np.zeros((y, n))
        factor = np.empty((y, n))
        points = sorted((yr, v) for yr, v in d.grid_factor.items() if yr >= self.base_year)
        for j, row in enumerate(self.rows):
            idx: FloatArray = np.ones(y)
            if row.ccc_sector in d.population_sectors:
                idx = idx * pop
            prefixes = [p for p in d.activity_growth_by_ref
                        if row.gpc_ref == p or row.gpc_ref.startswith(p + ".")]
            if prefixes:
                idx = idx * index_for(d.activity_growth_by_ref[max(prefixes, key=len)])
            elif row.ccc_sector in d.activity_growth:
                idx = idx * index_for(d.activity_growth[row.ccc_sector])
            activity[:, j] = row.activity * idx
            if row.follows_grid and points:
                xp = [float(self.base_year)] + [float(p[0]) for p in points]
                fp = [row.factor] + [p[1] for p in points]
                if points[0][0] == self.base_year:
                    xp, fp = xp[1:], fp[1:]
                factor[:, j] = np.interp(years.astype(np.float64), xp, fp)
            else:
                factor[:, j] = row.factor
        activity.setflags(write=False)
        factor.setflags(write=False)
        self.baseline_activity: FloatArray = activity
        self.baseline_factor: FloatArray = factor

    def _ramp(self, action: Action, effect: Effect) -> FloatArray:
        ramp = effect.ramp or action.ramp
        assert ramp is not None  # Action.__post_init__ guarantees one
        return ramp.fraction(self.years)

    def _compile(self) -> None:
        self._demand: list[_Op] = []
        self._switch: list[_Op] = []
        self._factor: list[_Op] = []
        self._renew: list[_Op] = []
        self._activity: list[_Op] = []
        all_rows = self.rows
        n_base = len(self.base_rows)
        for ai, action in enumerate(self.actions):
            for effect in action.effects:
                target = self._effect_target(action, effect)
                ramp = self._ramp(action, effect)
                if isinstance(effect, ReduceDemand):
                    rows = [j for j in range(n_base) if target.matches(all_rows[j])]
                    op = _Op(ai, effect, np.asarray(rows, dtype=np.intp), ramp)
                    self._demand.append(op)
                elif isinstance(effect, SwitchCarrier):
                    src = self._switch_sources(action, effect)
                    dests = [self._key_index[self._derived_key(all_rows[j], effect)]
                             for j in src]
                    unique = sorted(set(dests))
                    dmap = np.zeros((len(src), len(unique)))
                    for k, d in enumerate(dests):
                        dmap[k, unique.index(d)] = effect.ratio
                    op = _Op(ai, effect, np.asarray(src, dtype=np.intp), ramp,
                             np.asarray(unique, dtype=np.intp), dmap)
                    self._switch.append(op)
                elif isinstance(effect, ChangeFactor):
                    rows = [j for j, r in enumerate(all_rows) if target.matches(r)
                            and (effect.carrier is None or r.carrier == effect.carrier)
                            and (effect.share is not None or not r.fixed)]
                    self._factor.append(_Op(ai, effect, np.asarray(rows, dtype=np.intp), ramp))
                elif isinstance(effect, AddLocalRenewable):
                    rows = [j for j, r in enumerate(all_rows)
                            if r.carrier == effect.displaces and target.matches(r)]
                    self._renew.append(_Op(ai, effect, np.asarray(rows, dtype=np.intp), ramp))
                elif isinstance(effect, ChangeActivity):
                    if effect.mwh > 0:
                        rows = [self._key_index[self._row_key(self._added_key(effect))]]
                    else:
                        rows = [j for j in range(n_base) if target.matches(all_rows[j])
                                and all_rows[j].carrier == effect.carrier
                                and all_rows[j].unit == ENERGY_UNIT]
                    self._activity.append(_Op(ai, effect, np.asarray(rows, dtype=np.intp),
                                              ramp))
                else:  # pragma: no cover - Effect is a closed union
                    raise TypeError(f"unknown effect {effect!r}")
        for ops in self._ops():
            for op in ops:
                if len(op.rows) == 0:
                    self.warnings.append(f"action {self.actions[op.action].id!r}: "
                                         f"{type(op.effect).__name__} matches no row")

    def _ops(self) -> tuple[list[_Op], ...]:
        return self._demand, self._switch, self._factor, self._renew, self._activity

    def _derived_key(self, src: ActivityRow, effect: SwitchCarrier) -> str:
        return self._row_key(self._dest_key(src, effect))

    @staticmethod
    def _row_key(dk: tuple[str, str, str, float, bool]) -> str:
        ref, carrier, ccc, factor, follows = dk
        return f"{ref}|{carrier}|{ccc}|{'grid' if follows else repr(factor)}"

    def switch_destination(self, source: ActivityRow, effect: SwitchCarrier) -> int:
        """The index of the derived row that receives energy ``effect`` moves off ``source``."""
        return self._key_index[self._derived_key(source, effect)]

    def effect_target(self, action: Action, effect: Effect) -> Target:
        """The rows an effect applies to: its own target, else its action's."""
        return self._effect_target(action, effect)

    def effect_rows(self, action_id: str) -> list[list[str]]:
        """The keys of the rows each effect of an action applies to (for checks and display)."""
        ai = self._action_index[action_id]
        out = []
        for ops in self._ops():
            out += [[self.rows[j].key for j in op.rows] for op in ops if op.action == ai]
        return out

    # -- run -------------------------------------------------------------------------------------

    def _active(self, scenario: Scenario) -> tuple[list[bool], dict[int, FloatArray]]:
        ids = self.scenario_ids(scenario)
        unknown = ids - self.action_ids
        if unknown:
            raise ValueError(f"scenario {scenario.name!r} names unknown actions "
                             f"{sorted(unknown)}")
        unknown_ramps = set(scenario.ramps) - self.action_ids
        if unknown_ramps:
            raise ValueError(f"scenario {scenario.name!r} has ramps for unknown actions "
                             f"{sorted(unknown_ramps)}")
        active = [a.id in ids for a in self.actions]
        overrides = {self._action_index[k]: ramp.fraction(self.years)
                     for k, ramp in scenario.ramps.items()}
        return active, overrides

    def run(self, scenario: Scenario | None = None) -> Result:
        """The pathway of a scenario (the plan when None)."""
        scenario = scenario or self.plan()
        active, overrides = self._active(scenario)

        def ramp(op: _Op) -> FloatArray:
            return overrides.get(op.action, op.ramp)

        a = np.array(self.baseline_activity)
        f = np.array(self.baseline_factor)

        for op in self._demand:
            if active[op.action] and len(op.rows):
                assert isinstance(op.effect, ReduceDemand)
                a[:, op.rows] *= (1.0 - op.effect.share * ramp(op))[:, None]

        for op in self._activity:
            if active[op.action] and len(op.rows):
                assert isinstance(op.effect, ChangeActivity)
                change = op.effect.mwh * ramp(op)
                if op.effect.mwh > 0:
                    a[:, op.rows[0]] += change
                else:
                    held = a[:, op.rows].sum(axis=1)
                    kept = np.divide(np.maximum(held + change, 0.0), held,
                                     out=np.zeros_like(held), where=held > 0)
                    a[:, op.rows] *= kept[:, None]

        switches = [op for op in self._switch if active[op.action] and len(op.rows)]
        if switches:
            ssum = np.zeros_like(a)
            keep = np.ones_like(a)
            xs = []
            for op in switches:
                assert isinstance(op.effect, SwitchCarrier)
                x = (op.effect.share * ramp(op))[:, None]
                xs.append(x)
                ssum[:, op.rows] += x
                keep[:, op.rows] *= 1.0 - x
            moved = a * (1.0 - keep)
            per = np.divide(moved, ssum, out=np.zeros_like(a), where=ssum > 0)
            a -= moved
            for op, x in zip(switches, xs, strict=True):
                a[:, op.dest] += (per[:, op.rows] * x) @ op.dest_map

        for op in self._factor:
            if active[op.action] and len(op.rows):
                eff = op.effect
                assert isinstance(eff, ChangeFactor)
                r = ramp(op)[:, None]
                if eff.share is not None:
                    f[:, op.rows] *= 1.0 - eff.share * r
                else:
                    assert eff.new_factor is not None
                    f[:, op.rows] += r * (eff.new_factor - f[:, op.rows])

        renew = [op for op in self._renew if active[op.action] and len(op.rows)]
        if renew:
            share = np.zeros_like(a)
            local = np.zeros_like(a)
            for op in renew:
                eff = op.effect
                assert isinstance(eff, AddLocalRenewable)
                consumption = a[:, op.rows].sum(axis=1)
                s = np.divide(eff.mwh * ramp(op), consumption,
                              out=np.zeros(len(self.years)), where=consumption > 0)[:, None]
                share[:, op.rows] += s
                local[:, op.rows] += s * eff.factor
            over = share > 1.0
            if over.any():
                local = np.where(over, local / np.where(over, share, 1.0), local)
                share = np.minimum(share, 1.0)
            f = f * (1.0 - share) + local

        return Result(scenario.name, self.years, self.rows, a, f, a * f)
