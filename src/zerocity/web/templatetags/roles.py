"""What the person looking at a page may use in its city, so a page links only what works for
them (a link that ends in "page not found" is a broken promise). The rules are the ones the
pages themselves enforce: ``core.permissions`` and the food buyers' selector."""

from __future__ import annotations

from functools import cached_property

from django import template

from zerocity.core.actors import Person, signed_in
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin, is_city_staff
from zerocity.food.selectors import buys_for_an_institution

register = template.Library()


class CityRoles:
    """Each answer is asked of the database only when a template reads it."""

    def __init__(self, city: City | None, person: Person | None) -> None:
        self.city = city
        self.person = person if signed_in(person) is not None else None

    @cached_property
    def staff(self) -> bool:
        """The city's staff and administrators: its back offices."""
        return self.city is not None and is_city_staff(self.person, self.city)

    @cached_property
    def admin(self) -> bool:
        """The city's administrators: publishing, fares, data-source tokens."""
        return self.city is not None and is_city_admin(self.person, self.city)

    @cached_property
    def buyer(self) -> bool:
        """Buys food for one of the city's institutions: the buyers' page."""
        return self.city is not None and buys_for_an_institution(self.person, self.city)


@register.simple_tag
def city_roles(city: City | None, person: Person | None) -> CityRoles:
    """``{% city_roles city user as can %}``, then ``{% if can.staff %}``."""
    return CityRoles(city, person)
