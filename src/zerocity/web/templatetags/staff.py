"""``{% staff_menu here %}``: the staff area's menu (``web.staff_menu``) for the person
looking at the page, with the current page marked."""

from __future__ import annotations

from typing import Any

from django import template

from zerocity.web.staff_menu import staff_links

register = template.Library()


@register.inclusion_tag("web/_staff_menu.html", takes_context=True)
def staff_menu(context: template.Context, here: str = "") -> dict[str, Any]:
    request, city = context.get("request"), context.get("city")
    user = getattr(request, "user", None)
    links = staff_links(user, city) if city is not None and user is not None else []
    return {"links": links, "here": here}
