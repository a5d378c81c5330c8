"""The command table the tests build ``sovra`` with: the same as the ``sovra.cli``
entry points listed for setup.cfg (name with spaces -> "module:Class")."""

COMMANDS = {
    "status": "sovra_common.cli.status:Status",
    # identity
    "token issue": "sovra_identity.cli.token:IssueToken",
    "catalog list": "sovra_identity.cli.token:ListCatalog",
    "project list": "sovra_identity.cli.project:ListProject",
    "project show": "sovra_identity.cli.project:ShowProject",
    "project create": "sovra_identity.cli.project:CreateProject",
    "project delete": "sovra_identity.cli.project:DeleteProject",
    "user list": "sovra_identity.cli.user:ListUser",
    "user show": "sovra_identity.cli.user:ShowUser",
    "user create": "sovra_identity.cli.user:CreateUser",
    "user delete": "sovra_identity.cli.user:DeleteUser",
    "role list": "sovra_identity.cli.role:ListRole",
    "role add": "sovra_identity.cli.role:AddRole",
    "role remove": "sovra_identity.cli.role:RemoveRole",
    "role assignment list": "sovra_identity.cli.role:ListRoleAssignment",
    "service list": "sovra_identity.cli.catalog:ListService",
    "endpoint list": "sovra_identity.cli.catalog:ListEndpoint",
    # image
    "image list": "sovra_image.cli.image:ListImage",
    "image show": "sovra_image.cli.image:ShowImage",
    "image create": "sovra_image.cli.image:CreateImage",
    "image delete": "sovra_image.cli.image:DeleteImage",
    "image save": "sovra_image.cli.image:SaveImage",
    # placement
    "resource provider list": "sovra_placement.cli.resource_provider:ListResourceProvider",
    "resource provider show": "sovra_placement.cli.resource_provider:ShowResourceProvider",
    "resource provider create":
        "sovra_placement.cli.resource_provider:CreateResourceProvider",
    "resource provider delete":
        "sovra_placement.cli.resource_provider:DeleteResourceProvider",
    "resource provider inventory list":
        "sovra_placement.cli.resource_provider:ListResourceProviderInventory",
    "resource provider inventory set":
        "sovra_placement.cli.resource_provider:SetResourceProviderInventory",
    # compute
    "server list": "sovra_compute.cli.server:ListServer",
    "server show": "sovra_compute.cli.server:ShowServer",
    "server create": "sovra_compute.cli.server:CreateServer",
    "server delete": "sovra_compute.cli.server:DeleteServer",
    "server start": "sovra_compute.cli.server:StartServer",
    "server stop": "sovra_compute.cli.server:StopServer",
    "server reboot": "sovra_compute.cli.server:RebootServer",
    "flavor list": "sovra_compute.cli.flavor:ListFlavor",
    "flavor show": "sovra_compute.cli.flavor:ShowFlavor",
    "keypair list": "sovra_compute.cli.keypair:ListKeypair",
    "keypair show": "sovra_compute.cli.keypair:ShowKeypair",
    "keypair create": "sovra_compute.cli.keypair:CreateKeypair",
    "keypair delete": "sovra_compute.cli.keypair:DeleteKeypair",
    "compute service list": "sovra_compute.cli.service:ListComputeService",
    "console log": "sovra_compute.cli.console:ShowConsoleLog",
    "console log show": "sovra_compute.cli.console:ShowConsoleLog",
    # block storage
    "volume list": "sovra_block.cli.volume:ListVolume",
    "volume show": "sovra_block.cli.volume:ShowVolume",
    "volume create": "sovra_block.cli.volume:CreateVolume",
    "volume delete": "sovra_block.cli.volume:DeleteVolume",
    "volume set": "sovra_block.cli.volume:SetVolume",
    "volume extend": "sovra_block.cli.volume:ExtendVolume",
    "volume snapshot list": "sovra_block.cli.snapshot:ListSnapshot",
    "volume snapshot show": "sovra_block.cli.snapshot:ShowSnapshot",
    "volume snapshot create": "sovra_block.cli.snapshot:CreateSnapshot",
    "volume snapshot delete": "sovra_block.cli.snapshot:DeleteSnapshot",
    "volume type list": "sovra_block.cli.volume_type:ListVolumeType",
    "volume type show": "sovra_block.cli.volume_type:ShowVolumeType",
    "volume type create": "sovra_block.cli.volume_type:CreateVolumeType",
    "volume type delete": "sovra_block.cli.volume_type:DeleteVolumeType",
    "volume service list": "sovra_block.cli.service:ListVolumeService",
    # network
    "network list": "sovra_network.cli.network:ListNetwork",
    "network show": "sovra_network.cli.network:ShowNetwork",
    "network create": "sovra_network.cli.network:CreateNetwork",
    "network delete": "sovra_network.cli.network:DeleteNetwork",
    "network set": "sovra_network.cli.network:SetNetwork",
    "network unset": "sovra_network.cli.network:UnsetNetwork",
    "network agent list": "sovra_network.cli.agent:ListNetworkAgent",
    "network agent show": "sovra_network.cli.agent:ShowNetworkAgent",
    "subnet list": "sovra_network.cli.subnet:ListSubnet",
    "subnet show": "sovra_network.cli.subnet:ShowSubnet",
    "subnet create": "sovra_network.cli.subnet:CreateSubnet",
    "subnet delete": "sovra_network.cli.subnet:DeleteSubnet",
    "subnet set": "sovra_network.cli.subnet:SetSubnet",
    "subnet unset": "sovra_network.cli.subnet:UnsetSubnet",
    "port list": "sovra_network.cli.port:ListPort",
    "port show": "sovra_network.cli.port:ShowPort",
    "port create": "sovra_network.cli.port:CreatePort",
    "port delete": "sovra_network.cli.port:DeletePort",
    "port set": "sovra_network.cli.port:SetPort",
    "port unset": "sovra_network.cli.port:UnsetPort",
    "router list": "sovra_network.cli.router:ListRouter",
    "router show": "sovra_network.cli.router:ShowRouter",
    "router create": "sovra_network.cli.router:CreateRouter",
    "router delete": "sovra_network.cli.router:DeleteRouter",
    "router set": "sovra_network.cli.router:SetRouter",
    "router unset": "sovra_network.cli.router:UnsetRouter",
    "router add subnet": "sovra_network.cli.router:AddSubnetToRouter",
    "router remove subnet": "sovra_network.cli.router:RemoveSubnetFromRouter",
    "router add port": "sovra_network.cli.router:AddPortToRouter",
    "router remove port": "sovra_network.cli.router:RemovePortFromRouter",
    "floating ip list": "sovra_network.cli.floating_ip:ListFloatingIP",
    "floating ip show": "sovra_network.cli.floating_ip:ShowFloatingIP",
    "floating ip create": "sovra_network.cli.floating_ip:CreateFloatingIP",
    "floating ip delete": "sovra_network.cli.floating_ip:DeleteFloatingIP",
    "floating ip set": "sovra_network.cli.floating_ip:SetFloatingIP",
    "floating ip unset": "sovra_network.cli.floating_ip:UnsetFloatingIP",
    "security group list": "sovra_network.cli.security_group:ListSecurityGroup",
    "security group show": "sovra_network.cli.security_group:ShowSecurityGroup",
    "security group create": "sovra_network.cli.security_group:CreateSecurityGroup",
    "security group delete": "sovra_network.cli.security_group:DeleteSecurityGroup",
    "security group set": "sovra_network.cli.security_group:SetSecurityGroup",
    "security group rule list":
        "sovra_network.cli.security_group_rule:ListSecurityGroupRule",
    "security group rule show":
        "sovra_network.cli.security_group_rule:ShowSecurityGroupRule",
    "security group rule create":
        "sovra_network.cli.security_group_rule:CreateSecurityGroupRule",
    "security group rule delete":
        "sovra_network.cli.security_group_rule:DeleteSecurityGroupRule",
    "subnet pool list": "sovra_network.cli.subnet_pool:ListSubnetPool",
    "subnet pool show": "sovra_network.cli.subnet_pool:ShowSubnetPool",
    "subnet pool create": "sovra_network.cli.subnet_pool:CreateSubnetPool",
    "subnet pool delete": "sovra_network.cli.subnet_pool:DeleteSubnetPool",
    "subnet pool set": "sovra_network.cli.subnet_pool:SetSubnetPool",
    "floating ip port forwarding list":
        "sovra_network.cli.port_forwarding:ListPortForwarding",
    "floating ip port forwarding show":
        "sovra_network.cli.port_forwarding:ShowPortForwarding",
    "floating ip port forwarding create":
        "sovra_network.cli.port_forwarding:CreatePortForwarding",
    "floating ip port forwarding delete":
        "sovra_network.cli.port_forwarding:DeletePortForwarding",
    "floating ip port forwarding set":
        "sovra_network.cli.port_forwarding:SetPortForwarding",
}


def entry_point_lines() -> list[str]:
    """The setup.cfg lines (``sovra.cli`` group) for this table."""
    return [f"    {name.replace(' ', '_')} = {target}" for name, target in COMMANDS.items()]
