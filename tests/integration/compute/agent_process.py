"""A compute agent as its own process (sovra-compute-agent), for full-mode tests:
the configuration files of a compute_cloud.start_cloud cloud plus the node's own."""

import os
import signal
import subprocess
import sys

AGENT = os.path.join(os.path.dirname(sys.executable), "sovra-compute-agent")


class AgentProcess:
    def __init__(self, tmp, node, log):
        self.argv = [AGENT, "--config-file", str(tmp / "sovra.conf"), "--config-file",
                     str(tmp / "sovra-compute.conf"), "--config-file",
                     str(tmp / f"sovra-compute-{node}.conf")]
        self.log = log
        self.proc = None

    def start(self):
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def kill(self, sig=signal.SIGKILL):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
