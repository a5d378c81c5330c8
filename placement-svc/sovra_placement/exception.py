"""Placement's stable error codes (``errors[].code`` from microversion 1.23) and the
exceptions that carry them. Once released, a code never changes."""

from sovra_common import exception

DEFAULT = "placement.undefined_code"
INVENTORY_INUSE = "placement.inventory.inuse"
CONCURRENT_UPDATE = "placement.concurrent_update"
DUPLICATE_NAME = "placement.duplicate_name"
PROVIDER_IN_USE = "placement.resource_provider.inuse"
PROVIDER_CANNOT_DELETE_PARENT = "placement.resource_provider.cannot_delete_parent"
RESOURCE_PROVIDER_NOT_FOUND = "placement.resource_provider.not_found"
ILLEGAL_DUPLICATE_QUERYPARAM = "placement.query.duplicate_key"
QUERYPARAM_BAD_VALUE = "placement.query.bad_value"
QUERYPARAM_MISSING_VALUE = "placement.query.missing_value"


class ConcurrentUpdate(exception.Conflict):
    """A generation (provider or consumer) changed since the caller read it."""

    message = "%(what)s generation conflict: the resource was updated concurrently."
    error_code = CONCURRENT_UPDATE


class ProviderNotFound(exception.NotFound):
    message = "No resource provider with uuid %(uuid)s found."


class DuplicateName(exception.Conflict):
    error_code = DUPLICATE_NAME


class ProviderInUse(exception.Conflict):
    error_code = PROVIDER_IN_USE


class CannotDeleteParent(exception.Conflict):
    error_code = PROVIDER_CANNOT_DELETE_PARENT


class InventoryInUse(exception.Conflict):
    error_code = INVENTORY_INUSE


class InsufficientCapacity(exception.Conflict):
    """An allocation does not fit a provider's inventory."""


class BadQuery(exception.Invalid):
    error_code = QUERYPARAM_BAD_VALUE
