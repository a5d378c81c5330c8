"""Security groups and rules over HTTP (noauth)."""

from conftest import PROJECT_A, PROJECT_B


def _rules(api, group_id, project=PROJECT_A):
    return api.ok("GET", f"/v2.0/security-group-rules?security_group_id={group_id}",
                  project=project)["security_group_rules"]


def test_default_group_is_made_once_with_upstream_rules(network_api):
    first = network_api.ok("GET", "/v2.0/security-groups")["security_groups"]
    again = network_api.ok("GET", "/v2.0/security-groups")["security_groups"]
    assert [g["id"] for g in first] == [g["id"] for g in again]
    [default] = first
    assert default["name"] == "default"
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"])
             for r in default["security_group_rules"]}
    assert rules == {("egress", "IPv4", None), ("egress", "IPv6", None),
                     ("ingress", "IPv4", default["id"]),
                     ("ingress", "IPv6", default["id"])}
    assert all(r["belongs_to_default_sg"] for r in default["security_group_rules"])
    resp = network_api.request("DELETE", f"/v2.0/security-groups/{default['id']}")
    assert resp.status_code == 409
    assert resp.json()["NeutronError"]["type"] == "SecurityGroupCannotRemoveDefault"
    # project B gets its own
    other = network_api.ok("GET", "/v2.0/security-groups",
                           project=PROJECT_B)["security_groups"]
    assert [g["id"] for g in other] != [default["id"]] and len(other) == 1


def test_rules_validation_duplicates_and_remote_groups(network_api):
    group = network_api.create("security-groups", {"name": "web", "description": "w"})
    assert {r["direction"] for r in group["security_group_rules"]} == {"egress"}

    def post(**rule):
        return network_api.request("POST", "/v2.0/security-group-rules", json={
            "security_group_rule": {"security_group_id": group["id"],
                                    "direction": "ingress", **rule}})
    ssh = post(protocol="tcp", port_range_min=22, port_range_max=22,
               remote_ip_prefix="192.168.1.7/24")
    assert ssh.status_code == 201
    assert ssh.json()["security_group_rule"]["remote_ip_prefix"] == "192.168.1.0/24"
    dup = post(protocol="tcp", port_range_min=22, port_range_max=22,
               remote_ip_prefix="192.168.1.0/24")
    assert dup.status_code == 409
    assert dup.json()["NeutronError"]["type"] == "SecurityGroupRuleExists"
    assert post(protocol="tcp", port_range_min=30, port_range_max=20).status_code == 400
    assert post(protocol="bogus").status_code == 400
    assert post(remote_ip_prefix="2001:db8::/64").status_code == 400  # IPv4 rule
    assert post(protocol="icmp", port_range_min=8, port_range_max=0).status_code == 201
    assert post(protocol="112").status_code == 201
    remote = post(remote_group_id=group["id"], ethertype="IPv6")
    assert remote.status_code == 201
    assert len(_rules(network_api, group["id"])) == 6
    rule_id = ssh.json()["security_group_rule"]["id"]
    assert network_api.request("GET", f"/v2.0/security-group-rules/{rule_id}",
                               project=PROJECT_B).status_code == 404
    network_api.ok("DELETE", f"/v2.0/security-group-rules/{rule_id}", status=204)
    assert len(_rules(network_api, group["id"])) == 5


def test_group_in_use_update_and_isolation(network_api):
    group = network_api.create("security-groups", {"name": "app"})
    net = network_api.create("networks", {})
    port = network_api.create("ports", {"network_id": net["id"],
                                        "security_groups": [group["id"]]})
    in_use = network_api.request("DELETE", f"/v2.0/security-groups/{group['id']}")
    assert in_use.status_code == 409
    assert in_use.json()["NeutronError"]["type"] == "SecurityGroupInUse"
    renamed = network_api.ok("PUT", f"/v2.0/security-groups/{group['id']}",
                             json={"security_group": {"name": "app2"}})
    assert renamed["security_group"]["name"] == "app2"
    assert network_api.request("GET", f"/v2.0/security-groups/{group['id']}",
                               project=PROJECT_B).status_code == 404
    assert network_api.request("POST", "/v2.0/security-group-rules", project=PROJECT_B,
                               json={"security_group_rule": {
                                   "security_group_id": group["id"],
                                   "direction": "ingress"}}).status_code == 404
    network_api.ok("DELETE", f"/v2.0/ports/{port['id']}", status=204)
    network_api.ok("DELETE", f"/v2.0/security-groups/{group['id']}", status=204)


def test_security_group_quota(network_api):
    network_api.ok("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
                   json={"quota": {"security_group": 2}})
    network_api.create("security-groups", {"name": "one"})  # + the default
    resp = network_api.request("POST", "/v2.0/security-groups",
                               json={"security_group": {"name": "two"}})
    assert resp.status_code == 409
    assert resp.json()["NeutronError"]["type"] == "OverQuota"
