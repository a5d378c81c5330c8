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


class RevisionNumberConstraintFailed(wz_exceptions.PreconditionFailed):
    """If-Match: revision_number=N did not match the resource's revision (412)."""

    def __init__(self, expected, current):
        super().__init__(f"Constrained to {expected}, but current revision is "
                         f"{current}")
