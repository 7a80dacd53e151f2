"""What the API's routers share: bounded pages for lists, exact decimals, and the text a
database can take."""

# No ``from __future__ import annotations``: ninja reads these classes at run time.

from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import BeforeValidator

MAX_LIMIT = 500
MAX_OFFSET = 10**9  # far beyond any list, and within what every database can count
# PostgreSQL cannot compare text holding a NUL character: a code with one is bad input (400)
NO_NUL = r"^[^\x00]*$"
# One line of text (a device's id, a card's token, a receipt number): no control character
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"


def _exact(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


# A Decimal as the string of its exact value: a float would round money and shares
Exact = Annotated[str, BeforeValidator(_exact)]


class Pages(LimitOffsetPagination):
    """ninja's limit/offset pages with bounds, so that a limit or an offset no database can
    take is a 400 that names it, not a server error."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description="How many items (at most "
                           f"{MAX_LIMIT})")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip")


