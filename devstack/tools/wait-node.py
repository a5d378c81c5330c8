"""Wait until a compute node's agents are up: its compute agent in the compute API's
os-services, its network agent in GET /v2.0/agents, its volume backend in the block
storage API's os-services.

    wait-node.py --host NODE [--compute-agent] [--network-agent]
        [--volume-backend HOST@BACKEND] [--timeout SECONDS]

stack.sh on a compute node (NODE_ROLE=compute) runs it once the agents are started:
the compute agent is up when the controller's compute API lists a nova-compute
service for NODE in state "up" (its heartbeat reached the coordination service, its
resource provider is in placement); the network agent is up when the network API
lists it alive (its heartbeat in the coordination service); the volume backend is
up when the block storage API lists its cinder-volume service up (its capacity
report arrived). Authenticates as a service user of the node (the only credentials
a compute node holds): SOVRA_SERVICE_USER (default compute), SOVRA_AUTH_URL and
SOVRA_SERVICE_PASSWORD from the environment, so no password is on a command line.
Exit status 0 when up, 1 on timeout.
"""

import argparse
import os
import sys
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3

COMPUTE = {"service_type": "compute", "interface": "public"}
NETWORK = {"service_type": "network", "interface": "public"}
BLOCK = {"service_type": "block-storage", "interface": "public"}


def node_state(sess, host) -> str:
    """The state of HOST's nova-compute service ('up', 'down'), or 'missing'."""
    services = sess.get(f"/os-services?host={host}&binary=nova-compute",
                        endpoint_filter=COMPUTE).json()["services"]
    return services[0]["state"] if services else "missing"


def network_agent_state(sess, host) -> str:
    """'up' when the network API lists HOST's network agent alive, else 'missing'
    (a dead agent is not listed)."""
    agents = sess.get("/v2.0/agents", endpoint_filter=NETWORK).json()[
        "agents"]
    return "up" if any(a["host"] == host and a.get("alive") for a in agents) else "missing"


def volume_backend_state(sess, backend) -> str:
    """The state of the cinder-volume service BACKEND (host@backend), or 'missing'."""
    services = sess.get("/os-services?binary=cinder-volume",
                        endpoint_filter=BLOCK).json()["services"]
    return next((s["state"] for s in services if s["host"] == backend), "missing")


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", required=True, help="the node's [compute] host")
    parser.add_argument("--compute-agent", action="store_true",
                        help="wait for the node's compute agent")
    parser.add_argument("--network-agent", action="store_true",
                        help="wait for the node's network agent")
    parser.add_argument("--volume-backend", metavar="HOST@BACKEND",
                        help="wait for the node's volume agent's backend")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    auth = v3.Password(auth_url=os.environ["SOVRA_AUTH_URL"],
                       username=os.environ.get("SOVRA_SERVICE_USER", "compute"),
                       password=os.environ["SOVRA_SERVICE_PASSWORD"],
                       user_domain_id="default", project_name="service",
                       project_domain_id="default")
    sess = session.Session(auth=auth)
    deadline = time.monotonic() + args.timeout
    checks = []
    if args.compute_agent:
        checks.append(("compute agent", node_state, args.host))
    if args.network_agent:
        checks.append(("network agent", network_agent_state, args.host))
    if args.volume_backend:
        checks.append((f"volume backend {args.volume_backend}", volume_backend_state,
                       args.volume_backend))
    for name, check, what in checks:
        state = "missing"
        while state != "up":
            try:
                state = check(sess, what)
            except (ks_exc.ConnectFailure, ks_exc.HttpError) as exc:
                state = f"unknown ({exc})"
            if state == "up":
                break
            if time.monotonic() > deadline:
                print(f"wait-node.py: the {name} of node {args.host} is {state} after "
                      f"{args.timeout:.0f} s", file=sys.stderr)
                return 1
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
