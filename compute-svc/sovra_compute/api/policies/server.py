"""Policies of servers and their actions (instance actions: instance_action.py)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:servers:index"
LIST_ALL = "compute:servers:index:get_all_tenants"
ALL_FILTERS = "compute:servers:allow_all_filters"
SHOW = "compute:servers:show"
SHOW_HOST_ATTRS = "compute:servers:show:extended_attributes"
SHOW_HOST_STATUS = "compute:servers:show:host_status"
CREATE = "compute:servers:create"
CREATE_FORCED_HOST = "compute:servers:create:forced_host"
CREATE_REQUESTED_DESTINATION = "compute:servers:create:requested_destination"
DELETE = "compute:servers:delete"
UPDATE = "compute:servers:update"
START = "compute:servers:start"
STOP = "compute:servers:stop"
REBOOT = "compute:servers:reboot"
CONSOLE_OUTPUT = "compute:servers:console_output"
PAUSE = "compute:servers:pause"
UNPAUSE = "compute:servers:unpause"
SUSPEND = "compute:servers:suspend"
RESUME = "compute:servers:resume"
CREATE_IMAGE = "compute:servers:create_image"
REBUILD = "compute:servers:rebuild"
RESIZE = "compute:servers:resize"
CONFIRM_RESIZE = "compute:servers:confirm_resize"
REVERT_RESIZE = "compute:servers:revert_resize"
MIGRATE = "os_compute_api:os-migrate-server:migrate"
LOCK = "compute:servers:lock"
UNLOCK = "compute:servers:unlock"
LOCKED_OVERRIDE = "compute:servers:locked:override"
FORCE_DELETE = "compute:servers:force_delete"
RESTORE = "compute:servers:restore"
RESET_STATE = "os_compute_api:os-admin-actions:reset_state"
EVACUATE = "os_compute_api:os-evacuate"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Rename a server or change its description.",
        [{"method": "PUT", "path": "/servers/{server_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN,
        "List the project's servers.",
        [{"method": "GET", "path": "/servers"}]),
    oslo_policy.DocumentedRuleDefault(
        LIST_ALL, policy.ADMIN,
        "List the servers of every project.",
        [{"method": "GET", "path": "/servers?all_tenants=1"}]),
    oslo_policy.DocumentedRuleDefault(
        ALL_FILTERS, policy.ADMIN,
        "Filter the server list by any field (others filter by name, status, image, "
        "flavor, addresses, change times, tags and lock state only).",
        [{"method": "GET", "path": "/servers"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN,
        "Show a server.",
        [{"method": "GET", "path": "/servers/{server_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW_HOST_ATTRS, policy.ADMIN,
        "See a server's host, node and other OS-EXT-SRV-ATTR fields.",
        [{"method": "GET", "path": "/servers/{server_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW_HOST_STATUS, policy.ADMIN,
        "See the status of a server's host.",
        [{"method": "GET", "path": "/servers/{server_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Create a server.",
        [{"method": "POST", "path": "/servers"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE_FORCED_HOST, policy.ADMIN,
        "Create a server on a given host with availability_zone 'zone:host[:node]'.",
        [{"method": "POST", "path": "/servers"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE_REQUESTED_DESTINATION, policy.ADMIN,
        "Create a server asking for a host or hypervisor_hostname (2.74).",
        [{"method": "POST", "path": "/servers"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Delete a server.",
        [{"method": "DELETE", "path": "/servers/{server_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        START, policy.PROJECT_MEMBER_OR_ADMIN,
        "Start a stopped server.",
        [{"method": "POST", "path": "/servers/{server_id}/action (os-start)"}]),
    oslo_policy.DocumentedRuleDefault(
        STOP, policy.PROJECT_MEMBER_OR_ADMIN,
        "Stop a server.",
        [{"method": "POST", "path": "/servers/{server_id}/action (os-stop)"}]),
    oslo_policy.DocumentedRuleDefault(
        REBOOT, policy.PROJECT_MEMBER_OR_ADMIN,
        "Reboot a server.",
        [{"method": "POST", "path": "/servers/{server_id}/action (reboot)"}]),
    oslo_policy.DocumentedRuleDefault(
        CONSOLE_OUTPUT, policy.PROJECT_MEMBER_OR_ADMIN,
        "Read a server's console output.",
        [{"method": "POST", "path": "/servers/{server_id}/action (os-getConsoleOutput)"}]),
    oslo_policy.DocumentedRuleDefault(
        PAUSE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Pause a server.",
        [{"method": "POST", "path": "/servers/{server_id}/action"}]),
    oslo_policy.DocumentedRuleDefault(
        UNPAUSE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Unpause a server.",
        [{"method": "POST", "path": "/servers/{server_id}/action"}]),
    oslo_policy.DocumentedRuleDefault(
        SUSPEND, policy.PROJECT_MEMBER_OR_ADMIN,
        "Suspend a server.",
        [{"method": "POST", "path": "/servers/{server_id}/action"}]),
    oslo_policy.DocumentedRuleDefault(
        RESUME, policy.PROJECT_MEMBER_OR_ADMIN,
        "Resume a suspended server.",
        [{"method": "POST", "path": "/servers/{server_id}/action"}]),
    oslo_policy.DocumentedRuleDefault(
        REBUILD, policy.PROJECT_MEMBER_OR_ADMIN,
        "Rebuild a server from an image (a fresh root disk).",
        [{"method": "POST", "path": "/servers/{server_id}/action (rebuild)"}]),
    oslo_policy.DocumentedRuleDefault(
        RESIZE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Resize a server to another flavor.",
        [{"method": "POST", "path": "/servers/{server_id}/action (resize)"}]),
    oslo_policy.DocumentedRuleDefault(
        CONFIRM_RESIZE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Confirm a server's resize.",
        [{"method": "POST", "path": "/servers/{server_id}/action (confirmResize)"}]),
    oslo_policy.DocumentedRuleDefault(
        REVERT_RESIZE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Revert a server's resize.",
        [{"method": "POST", "path": "/servers/{server_id}/action (revertResize)"}]),
    oslo_policy.DocumentedRuleDefault(
        MIGRATE, policy.ADMIN,
        "Cold-migrate a server to another host (2.56: a given one).",
        [{"method": "POST", "path": "/servers/{server_id}/action (migrate)"}]),
    oslo_policy.DocumentedRuleDefault(
        EVACUATE, policy.ADMIN,
        "Rebuild a server whose host is down on another host.",
        [{"method": "POST", "path": "/servers/{server_id}/action (evacuate)"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE_IMAGE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Snapshot a server's root disk into a new image.",
        [{"method": "POST", "path": "/servers/{server_id}/action (createImage)"}]),
    oslo_policy.DocumentedRuleDefault(
        LOCK, policy.PROJECT_MEMBER_OR_ADMIN,
        "Lock a server.",
        [{"method": "POST", "path": "/servers/{server_id}/action"}]),
    oslo_policy.DocumentedRuleDefault(
        UNLOCK, policy.PROJECT_MEMBER_OR_ADMIN,
        "Unlock a server.",
        [{"method": "POST", "path": "/servers/{server_id}/action"}]),
    oslo_policy.DocumentedRuleDefault(
        LOCKED_OVERRIDE, policy.ADMIN,
        "Act on a locked server.",
        [{"method": "POST", "path": "/servers/{server_id}/action"}]),
    oslo_policy.DocumentedRuleDefault(
        FORCE_DELETE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Delete a server at once (forceDelete; Sovra never defers a delete).",
        [{"method": "POST", "path": "/servers/{server_id}/action (forceDelete)"}]),
    oslo_policy.DocumentedRuleDefault(
        RESTORE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Restore a soft-deleted server (none is: always a 409).",
        [{"method": "POST", "path": "/servers/{server_id}/action (restore)"}]),
    oslo_policy.DocumentedRuleDefault(
        RESET_STATE, policy.ADMIN,
        "Reset a server's state to active or error and clear its task (the "
        "database record only; the guest is not touched).",
        [{"method": "POST", "path": "/servers/{server_id}/action (os-resetState)"}]),
]
