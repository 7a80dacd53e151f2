class ZeroCityError(Exception):
    """Base of the errors a service raises for the caller to show to a person."""


class NotFound(ZeroCityError):
    pass


class PermissionDenied(ZeroCityError):
    pass


class Conflict(ZeroCityError):
    """The request is valid but the object is not in a state that allows it."""
