"""The agent's RPC endpoint: runs the virt driver and reports outcomes to the
conductor (the agent has no database)."""

from __future__ import annotations

import logging

import oslo_messaging

from sovra_common import rpc
from sovra_compute.service import instance as states
from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)


def _fault(exc: BaseException) -> dict:
    return {"code": 500, "message": str(exc)[:255] or type(exc).__name__,
            "details": type(exc).__name__}


class ComputeAgentEndpoint(rpc.RPCEndpoint):
    target = oslo_messaging.Target(version="1.1")

    def __init__(self, host, driver: virt.VirtDriver, conductor_api):
        self._host = host
        self._driver = driver
        self._conductor = conductor_api

    def build_instance(self, ctxt, instance, key_data=None, user_data=None):
        uuid = instance["uuid"]
        try:
            self._driver.spawn(instance, None, key_data=key_data, user_data=user_data)
            power_state = self._driver.get_info(instance).power_state
        except Exception as exc:  # any failure: the conductor reschedules
            LOG.warning("spawn of %s failed on %s: %s", uuid, self._host, exc)
            self._conductor.build_failed(ctxt, uuid, self._host, str(exc))
            return
        self._conductor.build_done(ctxt, uuid, self._host, power_state)

    def terminate_instance(self, ctxt, instance):
        try:
            self._driver.destroy(instance)
        except Exception as exc:
            LOG.exception("destroy of %s failed", instance["uuid"])
            self._conductor.instance_update(
                ctxt, instance["uuid"], self._host,
                {"vm_state": states.ERROR, "task_state": None}, fault=_fault(exc))
            return
        self._conductor.instance_destroyed(ctxt, instance["uuid"], self._host)

    def _power_op(self, ctxt, instance, operation, vm_state):
        try:
            operation()
            power_state = self._driver.get_info(instance).power_state
        except Exception as exc:
            LOG.warning("%s of %s failed: %s", operation.__name__, instance["uuid"], exc)
            self._conductor.instance_update(ctxt, instance["uuid"], self._host,
                                            {"task_state": None}, fault=_fault(exc))
            return
        self._conductor.instance_update(
            ctxt, instance["uuid"], self._host,
            {"vm_state": vm_state, "task_state": None, "power_state": power_state})

    def start_instance(self, ctxt, instance):
        self._power_op(ctxt, instance, lambda: self._driver.power_on(instance),
                       states.ACTIVE)

    def stop_instance(self, ctxt, instance):
        self._power_op(ctxt, instance, lambda: self._driver.power_off(instance),
                       states.STOPPED)

    def reboot_instance(self, ctxt, instance, reboot_type="SOFT"):
        self._power_op(ctxt, instance,
                       lambda: self._driver.reboot(instance, reboot_type), states.ACTIVE)

    def pause_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.pause(instance),
                       states.PAUSED)

    def unpause_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.unpause(instance),
                       states.ACTIVE)

    def suspend_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.suspend(instance),
                       states.SUSPENDED)

    def resume_instance(self, ctxt, instance):  # since 1.1
        self._power_op(ctxt, instance, lambda: self._driver.resume(instance),
                       states.ACTIVE)

    @rpc.expected_errors(virt.InstanceNotFound)
    def get_console_output(self, ctxt, instance):
        return self._driver.get_console_output(instance)
