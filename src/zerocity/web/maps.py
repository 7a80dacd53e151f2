"""The network map of the journey planner as inline SVG, drawn on the server like the site's
charts (``web.charts``): a viewBox that scales to a phone's width, sizes and colours as
attributes (the Content-Security-Policy refuses style attributes), a ``<title>`` and an
accessible name on everything a person can reach.

Each stop is a link that fills the origin or the destination of the planner's form (its
address carries the form's other fields), so the map works without JavaScript and from the
keyboard; ``static/web/planner.js`` makes the same links fill the form in place, and a click
elsewhere on the map a point, using the projection written on the ``<svg>`` element.

Where the deployment names a tile server (``settings.MAP_TILES``), the network lies on its
map: the Web Mercator tiles that cover the view, at the zoom whose pixels come closest to the
SVG's units, each placed by projecting its corners (over a tile's few kilometres the map's
plate carrée and Web Mercator differ by far less than a pixel).
"""

from __future__ import annotations

import math
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


MAX_ZOOM = 18


def tile_zoom(geo: Geometry) -> int:
    """The zoom at which a 256-pixel tile spans about 256 of the map's units."""
    units_per_degree = geo.scale * geo.cos_lat
    zoom = round(math.log2(units_per_degree * 360 / 256))
    return max(0, min(MAX_ZOOM, zoom))


def _tile_x(lon: float, zoom: int) -> float:
    return (lon + 180) / 360 * (1 << zoom)


def _tile_y(lat: float, zoom: int) -> float:
    rad = math.radians(lat)
    return (1 - math.asinh(math.tan(rad)) / math.pi) / 2 * (1 << zoom)


def _tile_lon(x: int, zoom: int) -> float:
    return x / (1 << zoom) * 360 - 180


def _tile_lat(y: int, zoom: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / (1 << zoom)))))


def tiles(geo: Geometry, template: str) -> list[tuple[str, float, float, float, float]]:
    """The tiles that cover the whole view: (address, x, y, width, height) in the map's
    units. Neighbours share their edges exactly, so no seam shows between them."""
    zoom = tile_zoom(geo)
    top, left = geo.unproject(0, 0)
    bottom, right = geo.unproject(geo.width, geo.height)
    xs = range(math.floor(_tile_x(left, zoom)), math.floor(_tile_x(right, zoom)) + 1)
    ys = range(math.floor(_tile_y(top, zoom)), math.floor(_tile_y(bottom, zoom)) + 1)
    # plate carrée: x follows longitude alone and y latitude alone
    col = {i: geo.project(0.0, _tile_lon(i, zoom))[0] for i in (*xs, xs[-1] + 1)}
    row = {j: geo.project(_tile_lat(j, zoom), 0.0)[1] for j in (*ys, ys[-1] + 1)}
    return [(template.replace("{z}", str(zoom)).replace("{x}", str(i)).replace("{y}", str(j)),
             col[i], row[j], col[i + 1] - col[i], row[j + 1] - row[j])
            for j in ys for i in xs]


def _tile_layer(geo: Geometry, template: str) -> str:
    images = "".join(f'<image href="{escape(url)}" x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" '
                     f'height="{h:.2f}" preserveAspectRatio="none" />'
                     for url, x, y, w, h in tiles(geo, template))
    # faded, so that the lines and stops stay the map's figure
    return f'<g class="map-tiles" aria-hidden="true" opacity="0.55">{images}</g>'


def network_svg(geo: Geometry, *, label: str, href: Callable[[Place], str],
                ends: Mapping[str, tuple[Point | None, str]],
                tile_template: str = "") -> SafeString:
    """The map: each route's lines in its colour, each place a link (``href``), the chosen
    origin and destination (``ends``: "from"/"to" -> (lat, lon) or None, and its name), on
    the tile server's map where ``tile_template`` names one."""
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
        _tile_layer(geo, tile_template) if tile_template else "",
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
