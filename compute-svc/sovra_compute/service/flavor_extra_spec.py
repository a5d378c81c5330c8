"""Checking flavor extra specs against the ones known (2.86). Knows no HTTP.

A key of a known namespace (``hw:``, ``quota:``, ``resources:``, ``trait:``...) must
be one of that namespace's known keys, with a value of its kind; keys of other
namespaces, and keys without one, are taken as they are (operators' own scheduler
filters read them). The table follows upstream's registered extra specs; a key
whose value rules are not pinned down here is known but not checked further.
"""

from __future__ import annotations

import dataclasses
import re

import os_resource_classes
import os_traits

from sovra_common import exception

_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")
_CPU_MASK = r"\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*"
_GROUP = r"([a-zA-Z0-9_-]{1,64})?"  # a request group suffix: resources1:VCPU


class InvalidExtraSpec(exception.ValidationError):
    """An extra spec of a known namespace that is not known, or whose value is
    not of its kind."""


@dataclasses.dataclass(frozen=True)
class Spec:
    """One known key (``name`` a regular expression) and its value's kind: ``str``
    (optionally an ``enum`` or a ``pattern``), ``int`` (optionally ``min``, ``max``)
    or ``bool``."""

    name: str
    kind: type = str
    enum: tuple = ()
    pattern: str | None = None
    min: int | None = None
    max: int | None = None

    def check(self, key: str, value: str) -> None:
        if self.kind is bool:
            if value.lower() not in _TRUE + _FALSE:
                raise InvalidExtraSpec(f"Validation failed; '{value}' is not a valid "
                                       f"boolean-like value for {key}.")
        elif self.kind is int:
            try:
                number = int(value)
            except ValueError:
                raise InvalidExtraSpec(f"Validation failed; '{value}' is not a valid "
                                       f"integer value for {key}.") from None
            if self.min is not None and number < self.min:
                raise InvalidExtraSpec(f"Validation failed; '{value}' is less than "
                                       f"the min value of '{self.min}' for {key}.")
            if self.max is not None and number > self.max:
                raise InvalidExtraSpec(f"Validation failed; '{value}' is greater than "
                                       f"the max value of '{self.max}' for {key}.")
        elif self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise InvalidExtraSpec(f"Validation failed; '{value}' is not of the format "
                                   f"'{self.pattern}' for {key}.")
        elif self.enum and value not in self.enum:
            raise InvalidExtraSpec(f"Validation failed; '{value}' is not one of: "
                                   f"{', '.join(self.enum)} for {key}.")


def _hw() -> list[Spec]:
    positive = {"kind": int, "min": 1}
    return [
        Spec("hw:cpu_realtime", bool), Spec("hw:cpu_realtime_mask", pattern=_CPU_MASK),
        Spec("hw:hide_hypervisor_id", bool),
        Spec("hw:cpu_policy", enum=("dedicated", "shared", "mixed")),
        Spec("hw:cpu_thread_policy", enum=("prefer", "isolate", "require")),
        Spec("hw:emulator_threads_policy", enum=("isolate", "share")),
        Spec("hw:cpu_dedicated_mask", pattern=_CPU_MASK),
        Spec("hw:mem_page_size", pattern=r"(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)"),
        Spec("hw:numa_nodes", **positive),
        Spec(r"hw:numa_cpus\.\d+", pattern=_CPU_MASK),
        Spec(r"hw:numa_mem\.\d+", **positive),
        Spec("hw:pci_numa_affinity_policy",
             enum=("required", "preferred", "legacy", "socket")),
        *(Spec(f"hw:{limit}cpu_{part}", **positive)
          for limit in ("", "max_") for part in ("sockets", "cores", "threads")),
        Spec("hw:boot_menu", bool), Spec("hw:mem_encryption", bool),
        Spec("hw:pmem", pattern="([a-zA-Z0-9_]+(,)?)+"), Spec("hw:pmu", bool),
        Spec("hw:serial_port_count", int, min=0),
        Spec("hw:tpm_model", enum=("tpm-tis", "tpm-crb")),
        Spec("hw:tpm_version", enum=("1.2", "2.0")),
        Spec("hw:watchdog_action",
             enum=("none", "pause", "poweroff", "reset", "disabled")),
        Spec("hw:locked_memory", bool), Spec("hw:virtio_packed_ring", bool),
        Spec("hw:vif_multiqueue_enabled", bool),
        Spec("hw:ephemeral_encryption", bool),
        Spec("hw:ephemeral_encryption_format", enum=("luks", "plain")),
        Spec("hw:maxphysaddr_mode", enum=("passthrough", "emulate")),
        Spec("hw:maxphysaddr_bits", **positive),
        Spec("hw:viommu_model", enum=("intel", "smmuv3", "virtio", "auto")),
        # keys recent upstream releases may know: accepted, their values unchecked
        Spec("hw:mem_encryption_model"), Spec("hw:sound_model"), Spec("hw:usb_model"),
        Spec("hw:tpm_secret_security"),
        Spec("hw_rng:allowed", bool), Spec("hw_rng:rate_bytes", int, min=0),
        Spec("hw_rng:rate_period", int, min=0),
        Spec("hw_video:ram_max_mb", int, min=0),
    ]


def _quota() -> list[Spec]:
    specs = []
    for resource in ("cpu", "memory", "disk_io", "vif"):  # VMware
        specs += [Spec(f"quota:{resource}_limit", int),
                  Spec(f"quota:{resource}_reservation", int),
                  Spec(f"quota:{resource}_shares_level"),
                  Spec(f"quota:{resource}_shares_share", int)]
    specs += [Spec(f"quota:cpu_{key}", int, min=0)
              for key in ("shares", "period", "quota")]
    specs += [Spec(f"quota:disk_{stat}_{metric}_sec", int, min=0)
              for stat in ("read", "write", "total") for metric in ("bytes", "iops")]
    specs += [Spec(f"quota:vif_{stat}_{metric}", int, min=0)
              for stat in ("inbound", "outbound")
              for metric in ("average", "peak", "burst")]
    return specs


_CAPABILITIES = (
    "id", "uuid", "service_id", "host", "vcpus", "memory_mb", "local_gb", "vcpus_used",
    "memory_mb_used", "local_gb_used", "hypervisor_type", "hypervisor_version",
    "hypervisor_hostname", "free_ram_mb", "free_disk_gb", "current_workload",
    "running_vms", "disk_available_least", "host_ip", "mapped", "cpu_allocation_ratio",
    "ram_allocation_ratio", "disk_allocation_ratio", "total_usable_ram_mb",
    "total_usable_disk_gb", "disk_mb_used", "free_disk_mb", "vcpus_total",
    "num_instances", "num_io_ops", "failed_builds", "aggregates", "cell_uuid",
    "updated")
_NESTED_CAPABILITIES = (
    "cpu_info", "metrics", "stats", "numa_topology", "supported_hv_specs",
    "pci_device_pools", "nodename", "pci_stats", "supported_instances", "limits",
    "instances")


def _others() -> list[Spec]:
    names = "|".join(re.escape(rc) for rc in os_resource_classes.STANDARDS)
    traits = "|".join(re.escape(t) for t in os_traits.get_traits())
    placement = ("required", "forbidden")
    return [
        Spec("os:secure_boot", enum=("disabled", "required")),
        Spec("accel:device_profile"),
        Spec("aggregate_instance_extra_specs:.+"),
        *(Spec(f"capabilities:{c}") for c in _CAPABILITIES),
        *(Spec(f"capabilities:{c}(:\\w+)*") for c in _NESTED_CAPABILITIES),
        Spec("pci_passthrough:alias", pattern=r"[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*"),
        Spec("vmware:hw_version"), Spec("vmware:storage_policy"),
        Spec(f"resources{_GROUP}:({names}|CUSTOM_[A-Z0-9_]+)", int),
        Spec(f"trait{_GROUP}:({traits}|CUSTOM_[A-Z0-9_]+)", enum=placement),
    ]


SPECS = [*_hw(), *_quota(), *_others()]
_EXACT = {s.name: s for s in SPECS if re.escape(s.name) == s.name}
#: namespaces whose keys are all known: a key of one that matches no spec is refused
NAMESPACES = ("hw", "hw_rng", "hw_video", "quota", "os", "accel",
              "aggregate_instance_extra_specs", "capabilities", "pci_passthrough",
              "vmware", f"resources{_GROUP}", f"trait{_GROUP}")


def validate(key: str, value: str) -> None:
    """InvalidExtraSpec (400) unless ``key`` = ``value`` is a valid extra spec."""
    spec = _EXACT.get(key) or next((s for s in SPECS if re.fullmatch(s.name, key)),
                                   None)
    if spec is not None:
        spec.check(key, value)
        return
    namespace = key.split(":", 1)[0] if ":" in key else None
    if namespace is not None and any(re.fullmatch(n, namespace) for n in NAMESPACES):
        raise InvalidExtraSpec(f"Validation failed; extra spec '{key}' does not "
                               "appear to be a valid extra spec.")
