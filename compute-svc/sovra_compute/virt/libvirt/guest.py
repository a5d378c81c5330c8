"""One libvirt domain: its power state and the operations on it.

Every method raises ``VirtDriverError`` (never a bare libvirtError) and
``InstanceNotFound`` when the domain is gone.
"""

from __future__ import annotations

import contextlib
import logging
import time

from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def translated(lv, uuid: str):
    """libvirt errors as the driver contract's exceptions."""
    try:
        yield
    except lv.libvirtError as exc:
        if exc.get_error_code() == lv.VIR_ERR_NO_DOMAIN:
            raise virt.InstanceNotFound(uuid=uuid) from None
        raise virt.VirtDriverError(reason=exc.get_error_message()) from None


class Guest:
    def __init__(self, lv, domain):
        self.lv = lv
        self.domain = domain
        self.uuid = domain.UUIDString()

    def _translated(self):
        return translated(self.lv, self.uuid)

    @property
    def power_state(self) -> int:
        """The Compute API's power state of the domain."""
        lv = self.lv
        with self._translated():
            state, reason = self.domain.state()
            if state == lv.VIR_DOMAIN_SHUTOFF:
                saved = self.domain.hasManagedSaveImage(0)
                return virt.SUSPENDED if saved else virt.SHUTDOWN
        return {
            lv.VIR_DOMAIN_RUNNING: virt.RUNNING,
            lv.VIR_DOMAIN_BLOCKED: virt.RUNNING,
            lv.VIR_DOMAIN_PAUSED: virt.CRASHED
            if reason == lv.VIR_DOMAIN_PAUSED_CRASHED else virt.PAUSED,
            lv.VIR_DOMAIN_SHUTDOWN: virt.RUNNING,  # shutting down: still running
            lv.VIR_DOMAIN_CRASHED: virt.CRASHED,
            lv.VIR_DOMAIN_PMSUSPENDED: virt.SUSPENDED,
        }.get(state, virt.NOSTATE)

    def info(self) -> virt.InstanceInfo:
        with self._translated():
            _state, _max_mem, mem_kib, vcpus, _cpu_time = self.domain.info()
        return virt.InstanceInfo(self.power_state, vcpus, mem_kib // 1024)

    def is_active(self) -> bool:
        with self._translated():
            return bool(self.domain.isActive())

    def start(self) -> None:
        """Boot a defined guest (restoring its managed save, if it has one)."""
        with self._translated():
            self.domain.createWithFlags(0)

    def destroy(self) -> None:
        """Switch the guest off at once (no error if it is already off)."""
        with self._translated():
            if self.domain.isActive():
                try:
                    self.domain.destroy()
                except self.lv.libvirtError:
                    if self.domain.isActive():  # not merely stopped meanwhile
                        raise

    def shutdown(self, timeout: float) -> bool:
        """Press the power button and wait up to ``timeout`` seconds for the guest
        to switch itself off. True if it did (or was off already)."""
        with self._translated():
            if not self.domain.isActive():
                return True
            if timeout <= 0:
                return False
            try:
                self.domain.shutdown()
            except self.lv.libvirtError:
                if self.domain.isActive():
                    raise
                return True
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if not self.domain.isActive():
                    return True
                time.sleep(0.2)
        LOG.info("guest %s did not shut down within %s s", self.uuid, timeout)
        return False

    def pause(self) -> None:
        with self._translated():
            self.domain.suspend()

    def unpause(self) -> None:
        with self._translated():
            self.domain.resume()

    def save(self) -> None:
        """Save the guest's memory to its managed save image and stop it."""
        with self._translated():
            self.domain.managedSave(0)

    def undefine(self) -> None:
        """Forget the domain with its managed save image and snapshot metadata."""
        lv = self.lv
        flags = (lv.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                 | lv.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                 | getattr(lv, "VIR_DOMAIN_UNDEFINE_NVRAM", 0))
        with contextlib.suppress(virt.InstanceNotFound), self._translated():
            self.domain.undefineFlags(flags)

    def xml(self) -> str:
        with self._translated():
            return self.domain.XMLDesc(0)
