"""The REST client for the Block Storage API, used by compute (attachments, boot
from volume) and the CLI.

    client = BlockClient(session)                      # a keystoneauth1 session
    volume = client.create_volume(size=1, image_id=image_id, name="boot")
    volume = client.wait_volume(volume["id"], "available")
    att = client.create_attachment(volume["id"], server_id)   # reserve
    att = client.update_attachment(att["id"], connector)      # connection_info
    client.complete_attachment(att["id"])                     # in-use
    client.delete_attachment(att["id"])                       # detach

The endpoint comes from the catalog (service type ``block-storage``, whose
aliases ``volumev3`` and ``volume`` keystoneauth also accepts) unless
``endpoint_override`` is given. Every request asks for microversion 3.44
(attachments with os-complete). Methods return the API's dicts; HTTP errors are
raised as keystoneauth1 ``HttpError``s (status, the API's message and request id).
"""

from __future__ import annotations

import re
import time

from keystoneauth1 import adapter

MICROVERSION = "3.44"


class VolumeWaitFailed(RuntimeError):
    """A volume ended in another state than the one waited for, or never got
    there."""


class _V3Adapter(adapter.Adapter):
    """Paths are written from the API's root (``/v3/volumes``). A catalog endpoint
    that names the version already (``.../v3``, or ``.../v3/<project id>``) gets
    them without it, so the URL never reads ``/v3/v3/``; an unversioned endpoint
    (``endpoint_override="http://host:8776"``) gets them whole."""

    _versioned = None

    def request(self, url, method, **kwargs):
        if url.startswith("/v3"):
            if self._versioned is None:
                endpoint = (self.get_endpoint() or "").rstrip("/")
                self._versioned = bool(re.search(r"/v3(/[^/]+)?$", endpoint))
            if self._versioned:
                url = url[len("/v3"):] or "/"
        return super().request(url, method, **kwargs)


class BlockClient:
    def __init__(self, session, *, endpoint_override: str | None = None,
                 interface: str = "public", region_name: str | None = None):
        self._api = _V3Adapter(
            session, service_type="block-storage", interface=interface,
            region_name=region_name, endpoint_override=endpoint_override,
            additional_headers={"Accept": "application/json",
                                "OpenStack-API-Version": f"volume {MICROVERSION}"})

    # -- volumes ------------------------------------------------------------------------

    def create_volume(self, *, size: int | None, **attrs) -> dict:
        """``attrs``: name, description, volume_type, availability_zone, metadata,
        snapshot_id, source_volid, or image_id (sent as imageRef)."""
        if "image_id" in attrs:
            attrs["imageRef"] = attrs.pop("image_id")
        body = {"size": size, **{k: v for k, v in attrs.items() if v is not None}}
        return self._api.post("/v3/volumes", json={"volume": body}).json()["volume"]

    def get_volume(self, volume_id: str) -> dict:
        return self._api.get(f"/v3/volumes/{volume_id}").json()["volume"]

    def list_volumes(self, **filters) -> list[dict]:
        items, url, params = [], "/v3/volumes/detail", filters or None
        while url:
            body = self._api.get(url, params=params).json()
            items.extend(body["volumes"])
            url = next((link["href"] for link in body.get("volumes_links", [])
                        if link["rel"] == "next"), None)
            params = None
        return items

    def delete_volume(self, volume_id: str, *, cascade: bool = False) -> None:
        params = {"cascade": "true"} if cascade else None
        self._api.delete(f"/v3/volumes/{volume_id}", params=params)

    def extend_volume(self, volume_id: str, new_size: int) -> None:
        self._action(volume_id, "os-extend", {"new_size": new_size})

    def update_volume(self, volume_id: str, **attrs) -> dict:
        """``attrs``: name, description (PUT: the others stay)."""
        return self._api.put(f"/v3/volumes/{volume_id}",
                             json={"volume": attrs}).json()["volume"]

    def set_volume_metadata(self, volume_id: str, metadata: dict) -> dict:
        """Add or replace these keys (the others stay); the whole metadata back."""
        return self._api.post(f"/v3/volumes/{volume_id}/metadata",
                              json={"metadata": metadata}).json()["metadata"]

    def delete_volume_metadata_item(self, volume_id: str, key: str) -> None:
        self._api.delete(f"/v3/volumes/{volume_id}/metadata/{key}")

    def set_bootable(self, volume_id: str, bootable: bool) -> None:
        self._action(volume_id, "os-set_bootable", {"bootable": bootable})

    def set_readonly(self, volume_id: str, readonly: bool) -> None:
        self._action(volume_id, "os-update_readonly_flag", {"readonly": readonly})

    def _action(self, volume_id: str, name: str, args) -> None:
        self._api.post(f"/v3/volumes/{volume_id}/action", json={name: args})

    def wait_volume(self, volume_id: str, status: str, *, timeout: float = 300,
                    interval: float = 0.5) -> dict:
        """Poll until the volume is ``status``; VolumeWaitFailed if it goes to an
        error state (with its reason) or the time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            volume = self.get_volume(volume_id)
            if volume["status"] == status:
                return volume
            if volume["status"].startswith("error"):
                raise VolumeWaitFailed(
                    f"volume {volume_id} is {volume['status']}: "
                    f"{volume.get('error_reason') or 'no reason given'}")
            if time.monotonic() > deadline:
                raise VolumeWaitFailed(f"volume {volume_id} is still "
                                       f"{volume['status']} after {timeout:.0f} s")
            time.sleep(interval)

    # -- attachments (3.27+, os-complete 3.44) ------------------------------------------

    def create_attachment(self, volume_id: str, instance_uuid: str, *,
                          connector: dict | None = None, mode: str = "rw") -> dict:
        body = {"volume_uuid": volume_id, "instance_uuid": instance_uuid}
        if connector is not None:
            body["connector"] = connector
        return self._api.post("/v3/attachments",
                              json={"attachment": body}).json()["attachment"]

    def get_attachment(self, attachment_id: str) -> dict:
        return self._api.get(f"/v3/attachments/{attachment_id}").json()["attachment"]

    def list_attachments(self, **filters) -> list[dict]:
        return self._paged("/v3/attachments/detail", "attachments", filters)

    def update_attachment(self, attachment_id: str, connector: dict) -> dict:
        """Connect: the backend exports the volume to ``connector``'s host; the
        answer's ``connection_info`` says how to open it."""
        return self._api.put(f"/v3/attachments/{attachment_id}", json={
            "attachment": {"connector": connector}}).json()["attachment"]

    def complete_attachment(self, attachment_id: str) -> None:
        self._api.post(f"/v3/attachments/{attachment_id}/action",
                       json={"os-complete": None})

    def delete_attachment(self, attachment_id: str) -> None:
        self._api.delete(f"/v3/attachments/{attachment_id}")

    # -- snapshots ----------------------------------------------------------------------

    def create_snapshot(self, volume_id: str, *, force: bool = False, **attrs) -> dict:
        """``attrs``: name, description, metadata. ``force``: of an in-use volume."""
        body = {"volume_id": volume_id, "force": force,
                **{k: v for k, v in attrs.items() if v is not None}}
        return self._api.post("/v3/snapshots",
                              json={"snapshot": body}).json()["snapshot"]

    def get_snapshot(self, snapshot_id: str) -> dict:
        return self._api.get(f"/v3/snapshots/{snapshot_id}").json()["snapshot"]

    def list_snapshots(self, **filters) -> list[dict]:
        return self._paged("/v3/snapshots/detail", "snapshots", filters)

    def delete_snapshot(self, snapshot_id: str) -> None:
        self._api.delete(f"/v3/snapshots/{snapshot_id}")

    # -- volume types -------------------------------------------------------------------

    def create_volume_type(self, name: str, *, description: str | None = None,
                           is_public: bool = True, extra_specs: dict | None = None
                           ) -> dict:
        body = {"name": name, "os-volume-type-access:is_public": is_public}
        if description is not None:
            body["description"] = description
        if extra_specs:
            body["extra_specs"] = extra_specs
        return self._api.post("/v3/types",
                              json={"volume_type": body}).json()["volume_type"]

    def get_volume_type(self, type_id: str) -> dict:
        return self._api.get(f"/v3/types/{type_id}").json()["volume_type"]

    def get_default_volume_type(self) -> dict:
        return self._api.get("/v3/types/default").json()["volume_type"]

    def list_volume_types(self, **filters) -> list[dict]:
        """``is_public``: "true" (default), "false" or "none" (admins: every type)."""
        return self._api.get("/v3/types",
                             params=filters or None).json()["volume_types"]

    def delete_volume_type(self, type_id: str) -> None:
        self._api.delete(f"/v3/types/{type_id}")

    # -- backups ------------------------------------------------------------------------

    def create_backup(self, volume_id: str, *, incremental: bool = False,
                      force: bool = False, **attrs) -> dict:
        """``attrs``: name, description, container, snapshot_id. ``force``: of an
        in-use volume. The answer holds id, name and links only."""
        body = {"volume_id": volume_id, "incremental": incremental, "force": force,
                **{k: v for k, v in attrs.items() if v is not None}}
        return self._api.post("/v3/backups", json={"backup": body}).json()["backup"]

    def get_backup(self, backup_id: str) -> dict:
        return self._api.get(f"/v3/backups/{backup_id}").json()["backup"]

    def list_backups(self, **filters) -> list[dict]:
        return self._paged("/v3/backups/detail", "backups", filters)

    def delete_backup(self, backup_id: str, *, force: bool = False) -> None:
        """``force``: whatever its status (admin: os-force_delete)."""
        if force:
            self._api.post(f"/v3/backups/{backup_id}/action",
                           json={"os-force_delete": {}})
        else:
            self._api.delete(f"/v3/backups/{backup_id}")

    def restore_backup(self, backup_id: str, *, volume_id: str | None = None,
                       name: str | None = None) -> dict:
        """Into ``volume_id`` (available, at least the backup's size) or a new
        volume (named ``name``); the answer: backup_id, volume_id, volume_name."""
        body = {k: v for k, v in (("volume_id", volume_id), ("name", name)) if v}
        return self._api.post(f"/v3/backups/{backup_id}/restore",
                              json={"restore": body}).json()["restore"]

    # -- volume transfers ---------------------------------------------------------------

    def create_transfer(self, volume_id: str, *, name: str | None = None) -> dict:
        """The answer holds the ``auth_key``, shown this once."""
        body = {"volume_id": volume_id}
        if name is not None:
            body["name"] = name
        return self._api.post("/v3/os-volume-transfer",
                              json={"transfer": body}).json()["transfer"]

    def get_transfer(self, transfer_id: str) -> dict:
        return self._api.get(f"/v3/os-volume-transfer/{transfer_id}").json()["transfer"]

    def list_transfers(self, **filters) -> list[dict]:
        return self._api.get("/v3/os-volume-transfer/detail",
                             params=filters or None).json()["transfers"]

    def delete_transfer(self, transfer_id: str) -> None:
        self._api.delete(f"/v3/os-volume-transfer/{transfer_id}")

    def accept_transfer(self, transfer_id: str, auth_key: str) -> dict:
        return self._api.post(f"/v3/os-volume-transfer/{transfer_id}/accept",
                              json={"accept": {"auth_key": auth_key}}).json()["transfer"]

    # -- QoS specs (admin) --------------------------------------------------------------

    def create_qos_specs(self, name: str, *, consumer: str | None = None,
                         specs: dict | None = None) -> dict:
        body = {"name": name, **(specs or {})}
        if consumer is not None:
            body["consumer"] = consumer
        return self._api.post("/v3/qos-specs",
                              json={"qos_specs": body}).json()["qos_specs"]

    def get_qos_specs(self, qos_id: str) -> dict:
        return self._api.get(f"/v3/qos-specs/{qos_id}").json()["qos_specs"]

    def list_qos_specs(self) -> list[dict]:
        return self._paged("/v3/qos-specs", "qos_specs", {})

    def delete_qos_specs(self, qos_id: str, *, force: bool = False) -> None:
        """``force``: even while associated with volume types."""
        self._api.delete(f"/v3/qos-specs/{qos_id}",
                         params={"force": "true"} if force else None)

    def set_qos_specs_keys(self, qos_id: str, specs: dict) -> dict:
        """Add or change these keys (``consumer`` among them); echoes them."""
        return self._api.put(f"/v3/qos-specs/{qos_id}",
                             json={"qos_specs": specs}).json()["qos_specs"]

    def unset_qos_specs_keys(self, qos_id: str, keys: list[str]) -> None:
        self._api.put(f"/v3/qos-specs/{qos_id}/delete_keys", json={"keys": list(keys)})

    def list_qos_associations(self, qos_id: str) -> list[dict]:
        return self._api.get(
            f"/v3/qos-specs/{qos_id}/associations").json()["qos_associations"]

    def associate_qos_specs(self, qos_id: str, type_id: str) -> None:
        self._api.get(f"/v3/qos-specs/{qos_id}/associate",
                      params={"vol_type_id": type_id})

    def disassociate_qos_specs(self, qos_id: str, type_id: str | None = None) -> None:
        """From one volume type, or (``type_id`` None) from every one."""
        if type_id is None:
            self._api.get(f"/v3/qos-specs/{qos_id}/disassociate_all")
        else:
            self._api.get(f"/v3/qos-specs/{qos_id}/disassociate",
                          params={"vol_type_id": type_id})

    # -- quotas -------------------------------------------------------------------------

    def get_quota_set(self, project_id: str, *, usage: bool = False) -> dict:
        """A project's limits (``usage``: each as limit, in_use, reserved...)."""
        return self._api.get(f"/v3/os-quota-sets/{project_id}", params={
            "usage": "true"} if usage else None).json()["quota_set"]

    def get_default_quota_set(self, project_id: str) -> dict:
        return self._api.get(
            f"/v3/os-quota-sets/{project_id}/defaults").json()["quota_set"]

    def update_quota_set(self, project_id: str, **limits) -> dict:
        """``limits``: volumes, gigabytes, snapshots, backups... (-1: unlimited)."""
        return self._api.put(f"/v3/os-quota-sets/{project_id}",
                             json={"quota_set": limits}).json()["quota_set"]

    def get_limits(self, project_id: str | None = None) -> dict:
        """``{"absolute": {...}, "rate": []}`` of the caller's project, or of
        ``project_id`` (admin; 3.39)."""
        return self._api.get("/v3/limits", params={"project_id": project_id}
                             if project_id else None).json()["limits"]

    # -- services -----------------------------------------------------------------------

    def list_availability_zones(self) -> list[dict]:
        """os-availability-zone: ``[{"zoneName", "zoneState": {"available"}}]``."""
        return self._api.get("/v3/os-availability-zone").json()["availabilityZoneInfo"]


    def list_services(self, **filters) -> list[dict]:
        """os-services (admin): one ``cinder-volume`` per backend, ``<host>@<backend>``."""
        return self._api.get("/v3/os-services", params={
            k: v for k, v in filters.items() if v is not None} or None).json()["services"]

    def list_pools(self, *, detail: bool = False, **filters) -> list[dict]:
        """scheduler-stats/get_pools (admin): ``<host>@<backend>#<pool>``, with
        ``capabilities`` when ``detail``; filters (3.28+): name, volume_type."""
        params = {k: v for k, v in filters.items() if v is not None}
        if detail:
            params["detail"] = "true"
        return self._api.get("/v3/scheduler-stats/get_pools",
                             params=params or None).json()["pools"]

    def _paged(self, url: str, key: str, params: dict) -> list[dict]:
        items, params = [], params or None
        while url:
            body = self._api.get(url, params=params).json()
            items.extend(body[key])
            url = next((link["href"] for link in body.get(f"{key}_links", [])
                        if link["rel"] == "next"), None)
            params = None
        return items
