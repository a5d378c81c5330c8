"""The report endpoint's RPC contract (what the volume agents call on the API side):
pinned by fingerprint, and every VolumeReportAPI method has its endpoint method
with the same arguments."""

import inspect

from sovra_block import rpc
from sovra_block.service.report import ReportEndpoint
from sovra_common.rpc import check_fingerprint


def test_report_rpc_contract():
    check_fingerprint(ReportEndpoint, "1.2", {
        "backup_deleted": "483935105c37505c",
        "backup_update": "419bef252c7c68e1",
        "reconcile": "5aecd133142dd162",
        "report_capacity": "b99f8b14ebc52cb4",
        "snapshot_deleted": "0cfeef733898d53a",
        "snapshot_update": "0993cbc2793d87b4",
        "volume_deleted": "b7f648c0bd8c424b",
        "volume_update": "399b80c94fdde939",
    })


def test_every_report_call_has_an_endpoint_method_taking_its_arguments():
    for name, func in vars(rpc.VolumeReportAPI).items():
        if name.startswith("_") or not inspect.isfunction(func):
            continue
        endpoint = getattr(ReportEndpoint, name)
        takes = set(inspect.signature(endpoint).parameters) - {"self", "ctxt"}
        sends = set(inspect.signature(func).parameters) - {"self", "ctxt", "timeout"}
        assert sends == takes, name
