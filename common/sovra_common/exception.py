"""Domain exceptions. They carry meaning, not HTTP: the fault module maps each kind to
a status and renders it in the calling service's OpenStack error format.

Raise the most specific kind; give a message a user can act on. ``error_code`` is a
stable machine-readable code (Placement's ``errors[].code``); once released it never
changes.
"""


class SovraError(Exception):
    """Base of every error Sovra raises on purpose."""

    message = "An unknown error occurred."
    error_code = "sovra.undefined_code"

    def __init__(self, message: str | None = None, *, error_code: str | None = None,
                 **kwargs):
        if message is None:
            try:
                message = self.message % kwargs if kwargs else self.message
            except (KeyError, TypeError, ValueError):
                message = self.message
        self.kwargs = kwargs
        if error_code is not None:
            self.error_code = error_code
        super().__init__(message)

    @property
    def msg(self) -> str:
        return str(self.args[0]) if self.args else self.message


class Invalid(SovraError):
    """The request is malformed or asks for something impossible."""

    message = "The request is invalid."


class ValidationError(Invalid):
    """A body or query string failed its schema."""


class NotAuthenticated(SovraError):
    """No valid credentials: missing, expired, revoked or wrong."""

    message = "The request you have made requires authentication."


class Forbidden(SovraError):
    """Authenticated, but policy does not allow this."""

    message = "You are not authorized to perform the requested action."


class PolicyNotAuthorized(Forbidden):
    message = "Policy does not allow %(action)s to be performed."


class NotFound(SovraError):
    message = "The resource could not be found."


class Conflict(SovraError):
    """The resource's state does not allow this, or a concurrent update won."""

    message = "The request conflicts with the current state of the resource."


class PayloadTooLarge(SovraError):
    message = "The request body is too large."


class OverQuota(SovraError):
    message = "Quota exceeded."


class UnsupportedMediaType(SovraError):
    message = "The request's content type is not supported."


class VersionNotAcceptable(SovraError):
    """The requested microversion is outside what this service supports."""

    message = "Version %(version)s is not supported by the API."


class NotImplementedYet(SovraError):
    """A documented API call this release does not provide."""

    message = "This operation is not implemented."


class ServiceUnavailable(SovraError):
    """A dependency (identity, the bus, a database) cannot be reached right now."""

    message = "The service is temporarily unavailable."


class PolicyNotEnforced(SovraError):
    """A handler returned without checking policy: a bug, reported as a 500."""

    message = "Policy was not enforced for this request."
