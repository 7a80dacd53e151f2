"""The plan's charts drawn as SVG: the marks stand where the figures say, every series has a
name and a colour of its own, and every chart carries its text alternative. The pure chart
functions need no database; the pages are checked once on the Kranj demo, whose actions and
costs come from its Climate City Contract (ghg-standards.md §7.6-7.7)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from zerocity.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    # the markup is inline HTML SVG without a namespace; ElementTree reads it as plain XML
    return ET.fromstring(svg)


def fmt(v: float) -> str:
    return f"{v:g}"


def tick_scale(root: ET.Element) -> tuple[float, float]:
    """(y of value 0, pixels per unit) from two grid lines."""
    ticks = {float(ln.get("data-tick", "")): float(ln.get("y1", ""))
             for ln in root.iter("line") if ln.get("data-tick") is not None}
    (v0, y0), (v1, y1) = sorted(ticks.items())[:2]
    per_unit = (y0 - y1) / (v1 - v0)
    return y0 + v0 * per_unit, per_unit


def assert_accessible(root: ET.Element, label: str) -> None:
    assert root.get("role") == "img" and root.get("aria-label") == label
    assert root.find("title") is not None and root.find("title").text == label  # type: ignore[union-attr]
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", ""))


# -- the marginal abatement cost curve -----------------------------------------------------------

MAC = [charts.MacBar("1.3", "Solar electricity", 19_690, 2_695),
       charts.MacBar("1.2", "Industrial waste heat for district heating", 9_850, 609),
       charts.MacBar("X", "Efficient public lighting", 2_000, -150),
       charts.MacBar("1.4", "Hydro power", 125, 8_000)]


def bars_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter("g") if g.get("data-bar")]


def test_the_cost_curve_orders_bars_by_cost_and_sizes_them_by_the_figures():
    # given four actions, one of them saving money (a negative cost per tonne)
    # when the curve is drawn
    root = parse(charts.mac_curve(MAC, label="MAC", x_unit="t", y_unit="EUR/t", fmt=fmt,
                                  description="Each bar is an action."))
    bars = bars_of(root)
    rects = [g.find("rect") for g in bars]
    # then the bars run from the cheapest tonne to the dearest, edge to edge
    assert [g.get("data-bar") for g in bars] == ["X", "1.2", "1.3", "1.4"]
    xs = [float(r.get("x", "")) for r in rects]  # type: ignore[union-attr]
    widths = [float(r.get("width", "")) for r in rects]  # type: ignore[union-attr]
    assert xs == sorted(xs)
    for a, w, b in zip(xs, widths, xs[1:], strict=False):
        assert a + w == pytest.approx(b, abs=0.02)
    # each bar as wide as its tonnes (19,690 t is 9.845 times 2,000 t)
    assert widths[2] / widths[0] == pytest.approx(19_690 / 2_000, rel=1e-3)
    assert widths[1] / widths[0] == pytest.approx(9_850 / 2_000, rel=1e-3)
    # and as high as its cost: the saving hangs below the axis, the others stand on it
    zero, per_eur = tick_scale(root)
    axis = next(ln for ln in root.iter("line") if ln.get("data-axis") == "zero")
    assert float(axis.get("y1", "")) == pytest.approx(zero, abs=0.1)
    saving, waste_heat = rects[0], rects[1]
    assert float(saving.get("y", "")) == pytest.approx(zero, abs=0.1)  # type: ignore[union-attr]
    assert float(saving.get("height", "")) == pytest.approx(150 * per_eur, abs=0.1)  # type: ignore[union-attr]
    top = float(waste_heat.get("y", ""))  # type: ignore[union-attr]
    assert top + float(waste_heat.get("height", "")) == pytest.approx(zero, abs=0.1)  # type: ignore[union-attr]
    assert zero - top == pytest.approx(609 * per_eur, abs=0.1)
    # every bar is named by its action, with its figures in its title
    names = [" ".join(w.strip() for w in g.find("text").itertext())  # type: ignore[union-attr]
             for g in bars]
    assert names[1] == "Industrial waste heat for district heating"
    assert names[3] == "Hydro power"
    assert bars[3].find("title").text == "Hydro power: 125 t, 8000 EUR/t"  # type: ignore[union-attr]
    assert root.find("desc").text == "Each bar is an action."  # type: ignore[union-attr]
    assert_accessible(root, "MAC")


def test_a_cost_curve_of_nothing_is_an_empty_chart_not_an_error():
    root = parse(charts.mac_curve([], label="MAC", x_unit="t", y_unit="EUR/t", fmt=fmt))
    assert bars_of(root) == [] and root.get("viewBox") == "0 0 760 420"


# -- small line charts: indicators and the climate budget ----------------------------------------

def marks(root: ET.Element, series: str) -> dict[float, ET.Element]:
    return {float(g.get("data-x", "")): g for g in root.iter("g")
            if g.get("data-series") == series}


def centre_y(g: ET.Element) -> float:
    shape = next(iter(g.findall("*")[1:]))  # after the <title>
    if shape.tag == "circle":
        return float(shape.get("cy", ""))
    if shape.tag == "rect":
        return float(shape.get("y", "")) + float(shape.get("height", "")) / 2
    points = [tuple(map(float, p.split(","))) for p in shape.get("points", "").split()]
    return sum(y for _, y in points) / len(points)  # a diamond's centre


def test_an_indicator_shows_its_targets_baseline_and_observations_where_the_figures_say():
    # given OI 0.1's baseline and targets (CCC: 80 % by 2030) and two observed years
    lines = [charts.Line("target", "Target", "#D55E00", [(2025, 20), (2027, 40), (2030, 80)],
                         dash="6 4", marker="diamond", hollow=True),
             charts.Line("baseline", "Baseline", charts.TEXT, [(2018, 0)], marker="square",
                         connect=False),
             charts.Line("observed", "Observed", charts.PALETTE[0], [(2022, 9.5), (2024, 17)])]
    # when drawn
    root = parse(charts.small_lines(lines, label="OI 0.1", unit="%", fmt=fmt,
                                    description="Targets 2025: 20 %."))
    zero, per_unit = tick_scale(root)
    # then each target's marker stands at the target's height, the baseline's on zero
    for year, value in ((2025, 20), (2027, 40), (2030, 80)):
        assert centre_y(marks(root, "target")[year]) == pytest.approx(zero - value * per_unit,
                                                                      abs=0.1)
    assert centre_y(marks(root, "baseline")[2018]) == pytest.approx(zero, abs=0.1)
    assert centre_y(marks(root, "observed")[2024]) == pytest.approx(zero - 17 * per_unit, abs=0.1)
    # the years run left to right
    xs = [float(g.find("polygon").get("points", "").split(",")[0])  # type: ignore[union-attr]
          for g in marks(root, "target").values()]
    assert xs == sorted(xs) and len(set(xs)) == 3
    legend = [g.get("data-legend") for g in root.iter("g") if g.get("data-legend")]
    assert legend == ["target", "baseline", "observed"]
    assert root.find("desc").text == "Targets 2025: 20 %."  # type: ignore[union-attr]
    assert_accessible(root, "OI 0.1")


def test_an_indicator_without_observations_says_so_in_the_chart():
    lines = [charts.Line("target", "Target", "#D55E00", [(2030, 55_000)]),
             charts.Line("observed", "Observed", charts.PALETTE[0], [])]
    svg = charts.small_lines(lines, label="OI 1.2", unit="MWh", fmt=fmt,
                             empty_note="No observations yet")
    root = parse(svg)
    assert "No observations yet" in {t.text for t in root.iter("text")}
    assert marks(root, "observed") == {}
    assert [g.get("data-legend") for g in root.iter("g") if g.get("data-legend")] == ["target"]


# -- wedges ---------------------------------------------------------------------------------------

def wedge_layers(n: int) -> list[tuple[str, list[float]]]:
    return [(f"Action number {i}", [float(i), float(i)]) for i in range(1, n + 1)]


def test_wedges_are_named_and_never_share_a_colour():
    # given twelve actions (as many as Kranj's wedges) and the two paths around them
    layers = wedge_layers(12)
    svg = charts.stacked_area([2025, 2030], layers, top_line=("With existing policies", [90, 90]),
                              bottom_line=("With the plan", [12, 12]), label="Wedges",
                              unit="t", fmt=fmt)
    root = parse(svg)
    # when the layers and the legend are read
    polys = [p for p in root.iter("polygon") if p.get("data-layer")]
    legend = [g for g in root.iter("g") if g.get("data-legend")]
    # then every action has its own colour, and the legend names each action in it
    colours = [p.get("fill") for p in polys]
    assert len(colours) == 12 and len(set(colours)) == 12
    assert [g.get("data-legend") for g in legend][:12] == [name for name, _ in layers]
    assert [g.find("rect").get("fill") for g in legend[:12]] == colours  # type: ignore[union-attr]
    # and the two paths are drawn in the legend as lines, solid and dashed
    paths = [g.find("line") for g in legend[12:]]
    assert [g.get("data-legend") for g in legend[12:]] == ["With existing policies",
                                                          "With the plan"]
    assert [p.get("stroke-dasharray") for p in paths] == [None, "6 4"]  # type: ignore[union-attr]
    assert_accessible(root, "Wedges")


def test_more_wedges_than_colours_group_the_smallest_as_other():
    # given fifteen actions, 1 to 15 t each
    layers = wedge_layers(15)
    root = parse(charts.stacked_area([2025, 2030], layers, label="Wedges", unit="t", fmt=fmt,
                                     other_label="Other actions"))
    polys = [p for p in root.iter("polygon") if p.get("data-layer")]
    # then the eleven largest keep their names and colours, the four smallest (1+2+3+4 t) are
    # one grey "Other actions" layer, and no colour is used twice
    names = [p.get("data-layer") for p in polys]
    assert names == [f"Action number {i}" for i in range(5, 16)] + ["Other actions"]
    assert polys[-1].get("fill") == charts.OTHER
    assert len({p.get("fill") for p in polys}) == 12
    assert charts.group_smallest(layers, 12, "Other")[-1] == ("Other", [10.0, 10.0])


def test_a_long_name_is_cut_in_the_legend_but_whole_in_its_title():
    name = "Phase out fossil fuels in district heating and cooling, and then some more words"
    root = parse(charts.stacked_area([2025, 2030], [(name, [1.0, 2.0])], label="W", unit="t",
                                     fmt=fmt))
    entry = next(g for g in root.iter("g") if g.get("data-legend"))
    assert entry.find("title").text == name  # type: ignore[union-attr]
    shown = entry.find("text").text  # type: ignore[union-attr]
    assert shown is not None and shown.endswith("…") and name.startswith(shown[:-1])


# -- the pages ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_plan_pages_draw_their_charts(kranj, client):
    from zerocity.core.models import Role
    from zerocity.core.services import grant_role

    # given the Kranj demo
    # when the indicators page is read
    page = client.get("/en/kranj/plan/indicators/").content.decode()
    # then each indicator has its chart beside its table (kept as the text alternative)
    assert page.count('<svg class="chart"') == page.count('<section class="indicator"') >= 5
    assert "<summary>Figures as a table</summary>" in page
    assert 'aria-label="OI 0.1 CO2e reduction compared with 2018: observed values against' \
           in page

    # the investment page draws the cost curve from the cheapest tonne, naming the actions
    page = client.get("/en/kranj/plan/investment/").content.decode()
    svg = page[page.index('aria-label="Marginal abatement cost curve'):]
    svg = svg[:svg.index("</svg>")]
    assert re.findall(r'data-bar="([^"]+)"', svg) == ["1.2", "1.1", "1.3", "1.4"]
    assert "Industrial waste heat for district heating" in svg
    assert 'data-table="mac"' in page  # the table stays under the curve

    # the climate budget draws one chart for all sectors and one per sector
    client.force_login(grant_role(kranj, "c-admin", Role.ADMIN).user)
    page = client.get("/en/kranj/plan/manage/budget/").content.decode()
    assert re.findall(r'<figure class="chart-small" data-chart="(\w+)"', page) == [
        "total", "buildings", "transport", "waste", "ippu", "afolu"]
    assert page.count('data-line="ceiling"') == 6

    # and the overview's wedges are named by action, not by code
    page = client.get("/en/kranj/plan/").content.decode()
    assert 'data-legend="Industrial waste heat for district heating"' in page
    assert 'data-legend="1.2"' not in page
