"""The test guest's serial console, read through the Compute API and typed into
through libvirt (the test image runs a root shell on ttyS0)."""

import time

import libvirt

from sovra_compute.virt.libvirt import config


def console(conn, server, text, timeout=90, times=1):
    """The console once ``text`` is on it (``times`` times)."""
    deadline = time.monotonic() + timeout
    while True:
        out = conn.compute.get_server_console_output(server)["output"]
        if out.count(text) >= times:
            return out
        assert time.monotonic() < deadline, f"{text!r} not in the console:\n{out[-1500:]}"
        time.sleep(0.25)


def guest_shell(conn, virsh, server, command, expect, timeout=60):
    """Run ``command`` in the guest's root shell on its serial console; the
    console once ``expect`` (which the command prints) is on it. The console
    stream stays open until then: closed at once, libvirt may drop the input.
    ``expect`` must not be in ``command`` as typed (the shell echoes it)."""
    domain = virsh.lookupByName(config.domain_name(server.id))
    stream = virsh.newStream(0)
    domain.openConsole(None, stream, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
    try:
        stream.send(f"\n{command}\n".encode())
        return console(conn, server, expect, timeout=timeout)
    finally:
        try:
            stream.finish()
        except libvirt.libvirtError:
            pass
