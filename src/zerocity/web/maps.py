"""The network map of the journey planner as inline SVG, drawn on the server like the site's
charts (``web.charts``): a viewBox that scales to a phone's width, sizes and colours as
attributes (the Content-Security-Policy refuses style attributes), a ``<title>`` and an
accessible name on everything a person can reach.

Each stop is a link that fills the origin or the destination of the planner's form (its
address carries the form's other fields), so the map works without JavaScript and from the
keyboard; ``static/web/planner.js`` makes the same links fill the form in place, and a click
elsewhere on the map a point, using the projection written on the ``<svg>`` element.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from zerocity.mobility.network import Geometry, Place

INK = "#1a1a1a"
ORIGIN = "#0b5d3b"  # the site's brand green
DESTINATION = "#a3244f"
Point = tuple[float, float]


def _end(geo: Geometry, which: str, at: Point | None, name: str, colour: str) -> str:
    """The marker of the origin or destination: a ring and the place's name beside it,
    hidden until one is chosen (the script moves it)."""
    x, y = geo.project(*at) if at is not None else (0.0, 0.0)
    anchor = "end" if x > geo.width * 0.6 else "start"
    dx = -22 if anchor == "end" else 22
    hidden = "" if at is not None else ' visibility="hidden"'
    return (f'<g class="map-end" data-end="{which}" transform="translate({x:.1f} {y:.1f})"'
            f'{hidden}><circle r="16" fill="none" stroke="{colour}" stroke-width="6" />'
            f'<text x="{dx}" y="9" text-anchor="{anchor}" font-size="28" font-weight="700" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="6" stroke-linejoin="round" '
            f'paint-order="stroke">{escape(name)}</text></g>')


def network_svg(geo: Geometry, *, label: str, href: Callable[[Place], str],
                ends: Mapping[str, tuple[Point | None, str]]) -> SafeString:
    """The map: each route's lines in its colour, each place a link (``href``), the chosen
    origin and destination (``ends``: "from"/"to" -> (lat, lon) or None, and its name)."""
    w, h = geo.width, geo.height
    out = [
        f'<svg class="network-map" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" '
        f'height="{h:.0f}" role="group" aria-labelledby="map-title" data-map '
        f'data-lat-top="{geo.lat_top!r}" data-lon-left="{geo.lon_left!r}" '
        f'data-scale="{geo.scale!r}" data-cos-lat="{geo.cos_lat!r}" '
        f'data-off-x="{geo.off_x!r}" data-off-y="{geo.off_y!r}">',
        f'<title id="map-title">{escape(label)}</title>',
        f'<rect class="map-ground" x="0" y="0" width="{w:.0f}" height="{h:.0f}" '
        'fill="#ffffff" />',
        '<g class="map-lines" fill="none" stroke-linecap="round" stroke-linejoin="round">',
    ]
    for r in geo.routes:
        for d in r.paths:
            out.append(f'<path d="{d}" stroke="{r.colour}" stroke-width="6" '
                       f'data-route="{escape(r.route_id)}"><title>{escape(r.name)}</title>'
                       '</path>')
    out.append('</g><g class="map-stops">')
    for p in geo.places:
        out.append(
            f'<a href="{escape(href(p))}" data-place="{escape(p.key)}" '
            f'aria-label="{escape(p.key)}"><title>{escape(p.key)}</title>'
            # the wide, invisible circle is what a finger hits; the small one is seen
            f'<circle class="map-hit" cx="{p.x}" cy="{p.y}" r="26" fill="#ffffff" '
            'fill-opacity="0" />'
            f'<circle class="map-stop" cx="{p.x}" cy="{p.y}" r="9" fill="#ffffff" '
            f'stroke="{INK}" stroke-width="4" /></a>')
    out.append("</g>")
    for which, colour in (("from", ORIGIN), ("to", DESTINATION)):
        at, name = ends.get(which, (None, ""))
        out.append(_end(geo, which, at, name, colour))
    out.append("</svg>")
    return mark_safe("".join(out))  # every text in it is escaped


def swatch(colour: str) -> SafeString:
    """A route's colour as a short thick line, for the legend and the itineraries."""
    return mark_safe(f'<svg class="swatch" width="28" height="12" viewBox="0 0 28 12" '
                     f'aria-hidden="true"><line x1="2" y1="6" x2="26" y2="6" '
                     f'stroke="{escape(colour)}" stroke-width="6" stroke-linecap="round" />'
                     '</svg>')


def picking(params: QueryDict) -> str:
    """Which end a stop chosen on the map fills: the one asked (``pick``), else the origin
    until it is set, then the destination."""
    asked = params.get("pick", "")
    if asked in ("from", "to"):
        return asked
    return "to" if params.get("from") else "from"


def pick_href(params: QueryDict, pick: str, key: str) -> str:
    """The address that fills ``pick`` with the place ``key``, keeping the form's other
    fields; the next stop chosen fills the other end while it is empty. It lands on the map
    while an end is missing, on the journeys when both are there."""
    out = params.copy()
    out.pop("go", None)
    out[pick] = key
    other = "to" if pick == "from" else "from"
    out["pick"] = other if not out.get(other) else pick
    return "?" + out.urlencode() + ("#journeys" if out.get(other) else "#map")


def pick_mode_href(params: QueryDict, pick: str) -> str:
    out = params.copy()
    out.pop("go", None)
    out["pick"] = pick
    return "?" + out.urlencode() + "#map"
