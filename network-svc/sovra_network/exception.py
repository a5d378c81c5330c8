"""The network service's errors, named as Neutron names them: the class name is the
``type`` of the NeutronError body, which clients match on."""

from werkzeug import exceptions as wz_exceptions

from sovra_common import exception


class NetworkNotFound(exception.NotFound):
    message = "Network %(id)s could not be found."


class SubnetNotFound(exception.NotFound):
    message = "Subnet %(id)s could not be found."


class SubnetPoolNotFound(exception.NotFound):
    message = "Subnet pool %(id)s could not be found."


class PortNotFound(exception.NotFound):
    message = "Port %(id)s could not be found."


class SecurityGroupNotFound(exception.NotFound):
    message = "Security group %(id)s does not exist"


class SecurityGroupRuleNotFound(exception.NotFound):
    message = "Security group rule %(id)s does not exist"


class AgentNotFound(exception.NotFound):
    message = "Agent %(id)s could not be found."


class TagNotFound(exception.NotFound):
    message = "Tag %(tag)s could not be found for %(resource)s %(id)s."


class ExtensionNotFound(exception.NotFound):
    message = "Extension with alias %(alias)s does not exist."


class NetworkInUse(exception.Conflict):
    message = ("Unable to complete operation on network %(id)s. There are one or "
               "more ports still in use on the network.")


class SubnetInUse(exception.Conflict):
    message = ("Unable to complete operation on subnet %(id)s: One or more ports have "
               "an IP allocation from this subnet.")


class SecurityGroupInUse(exception.Conflict):
    message = "Security Group %(id)s in use."


class SecurityGroupCannotRemoveDefault(exception.Conflict):
    message = "Insufficient rights for removing default security group."


class SecurityGroupRuleExists(exception.Conflict):
    message = "Security group rule already exists. Rule id is %(id)s."


class MacAddressInUse(exception.Conflict):
    message = ("Unable to complete operation for network %(net_id)s. The mac address "
               "%(mac)s is in use.")


class MacAddressGenerationFailure(exception.ServiceUnavailable):
    message = "Unable to generate unique mac on network %(net_id)s."


class IpAddressAlreadyAllocated(exception.Conflict):
    message = "IP address %(ip)s already allocated in subnet %(subnet_id)s"


class IpAddressGenerationFailure(exception.Conflict):
    message = "No more IP addresses available on network %(net_id)s."


class InvalidIpForSubnet(exception.Invalid):
    message = "IP address %(ip)s is not a valid IP for the specified subnet."


class InvalidIpForNetwork(exception.Invalid):
    message = "IP address %(ip)s is not a valid IP for any of the subnets on the network."


class SegmentationIdInUse(exception.Conflict):
    message = "Unable to create the network. The VNI %(id)s is in use."


class NoNetworkAvailable(exception.ServiceUnavailable):
    message = "Unable to create the network. No tenant network is available for allocation."


class FlatNetworkInUse(exception.Conflict):
    message = ("Unable to create the flat network. Physical network "
               "%(physical_network)s is in use.")


class OverlappingSubnet(exception.Invalid):
    message = "Invalid input for operation: %(cidr)s overlaps with another subnet."


class InvalidAllocationPool(exception.Invalid):
    message = "The allocation pool %(pool)s is not valid."


class OverQuota(exception.OverQuota):
    message = "Quota exceeded for resources: ['%(resource)s']."


class BadRequest(exception.Invalid):
    """Neutron's generic 400 (routers and floating IPs use it for most refusals)."""

    message = "Bad %(resource)s request: %(msg)s."


class RouterNotFound(exception.NotFound):
    message = "Router %(id)s could not be found"


class FloatingIPNotFound(exception.NotFound):
    message = "Floating IP %(id)s could not be found"


class RouterInUse(exception.Conflict):
    message = "Router %(id)s still has ports"


class RouterInterfaceNotFound(exception.NotFound):
    message = "Router %(router_id)s does not have an interface with id %(port_id)s"


class RouterInterfaceNotFoundForSubnet(exception.NotFound):
    message = "Router %(router_id)s has no interface on subnet %(subnet_id)s"


class RouterInterfaceInUseByFloatingIP(exception.Conflict):
    message = ("Router interface for subnet %(subnet_id)s on router %(router_id)s "
               "cannot be deleted, as it is required by one or more floating IPs.")


class RouterInterfaceInUseByRoute(exception.Conflict):
    message = ("Router interface for subnet %(subnet_id)s on router %(router_id)s "
               "cannot be deleted, as it is required by one or more routes.")


class RouterExternalGatewayInUseByFloatingIp(exception.Conflict):
    message = ("Gateway cannot be updated for router %(router_id)s, since a gateway "
               "to external network %(net_id)s is required by one or more floating "
               "IPs.")


class ExternalGatewayForFloatingIPNotFound(exception.NotFound):
    message = ("External network %(external_network_id)s is not reachable from "
               "subnet %(subnet_id)s.  Therefore, cannot associate Port %(port_id)s "
               "with a Floating IP.")


class FloatingIPPortAlreadyAssociated(exception.Conflict):
    message = ("Cannot associate floating IP %(floating_ip_address)s (%(fip_id)s) "
               "with port %(port_id)s using fixed IP %(fixed_ip)s, as that fixed IP "
               "already has a floating IP on external network %(net_id)s.")


class L3PortInUse(exception.Conflict):
    message = ("Port %(port_id)s has owner %(device_owner)s and therefore cannot be "
               "deleted directly via the port API.")


class PortInUse(exception.Conflict):
    message = ("Unable to complete operation on port %(port_id)s for network "
               "%(net_id)s. Port already has an attached device %(device_id)s.")


class ExternalNetworkInUse(exception.Conflict):
    message = ("External network %(net_id)s cannot be updated to be made "
               "non-external, since it has existing gateway ports.")


class InvalidRoutes(exception.Invalid):
    message = "Invalid format for routes: %(routes)s, %(reason)s"


class RoutesExhausted(exception.Invalid):
    message = ("Unable to complete operation for %(router_id)s. The number of routes "
               "exceeds the maximum %(quota)s.")


class PortForwardingNotFound(exception.NotFound):
    message = "Port Forwarding %(id)s could not be found."


class FipInUseByPortForwarding(exception.Conflict):
    message = "Floating IP %(id)s in use by Port Forwarding resources."


class PortHasBindingFloatingIP(exception.Conflict):
    message = ("Cannot create port forwarding to floating IP %(floating_ip_address)s "
               "(%(fip_id)s) with port %(port_id)s using fixed IP %(fixed_ip)s, as "
               "that port already has a binding floating IP.")


class PortHasPortForwarding(exception.Conflict):
    message = ("Cannot associate floating IP to port %(port_id)s using fixed IP "
               "%(fixed_ip)s, as it already has port forwardings.")


class DeviceIDNotOwnedByTenant(exception.Conflict):
    message = ("The following device_id %(device_id)s is not owned by your tenant or "
               "matches another tenants router.")


class RevisionNumberConstraintFailed(wz_exceptions.PreconditionFailed):
    """If-Match: revision_number=N did not match the resource's revision (412)."""

    def __init__(self, expected, current):
        super().__init__(f"Constrained to {expected}, but current revision is "
                         f"{current}")
