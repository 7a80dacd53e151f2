"""The two cities the tests count days in: Kranj, the demo, and a city on Helsinki's clock
with Finland's holidays, which shows that every local-day computation follows the city."""

from __future__ import annotations

from zerocity.core.calendar import CityCalendar

KRANJ = CityCalendar("Europe/Ljubljana", "SI")
HELSINKI = CityCalendar("Europe/Helsinki", "FI")
