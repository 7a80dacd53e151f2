from zerocity.core.errors import Conflict, NotFound, ZeroCityError  # noqa: F401
from zerocity.inventory.parsing import ImportRejected  # noqa: F401
