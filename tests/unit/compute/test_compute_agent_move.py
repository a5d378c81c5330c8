"""The agent's halves of a move to another host, on two fake-driver agents sharing
one in-memory image store: what each reports, what is left on each node, and
that every failure leaves the guest where it was and no image behind."""

import pytest
from virt_conformance import instance

from sovra_compute.agent.endpoint import ComputeAgentEndpoint
from sovra_compute.virt import driver as virt
from sovra_compute.virt import fake


class Images:
    """An image service in memory (what the agents' image clients ask of it)."""

    def __init__(self):
        self.images, self.data = {}, {}
        self.refuse_upload = False

    def __call__(self, ctxt):
        return self

    def create_image(self, **attrs):
        image = dict(attrs, id=f"img-{len(self.images) + 1}", status="queued")
        self.images[image["id"]] = image
        return image

    def get_image(self, image_id):
        return self.images[image_id]

    def update_image(self, image_id, **changes):
        self.images[image_id].update(changes)

    def upload(self, image_id, data):
        if self.refuse_upload:
            raise RuntimeError("the image service refused the upload")
        self.data[image_id] = data.read()
        self.images[image_id]["status"] = "active"

    def download(self, image_id, out, image=None):
        out.write(self.data[image_id])
        return len(self.data[image_id])

    def delete_image(self, image_id):
        self.images.pop(image_id)
        self.data.pop(image_id, None)


@pytest.fixture
def nodes(recorder):
    images, conductor = Images(), recorder()
    drivers = {h: fake.FakeDriver() for h in ("node1", "node2")}
    agents = {h: ComputeAgentEndpoint(h, drivers[h], conductor, images=images)
              for h in drivers}
    guest = instance()
    agents["node1"].build_instance(None, guest)
    return agents, drivers, conductor, images, guest


def _handed_over(nodes, flavor=None):
    agents, drivers, conductor, images, guest = nodes
    agents["node1"].migrate_disk(None, guest, flavor or guest["flavor"])
    (args, _), = conductor.named("migration_disk_ready")
    assert args[1:3] == (guest["uuid"], "node1")
    return args[4]


def test_source_hands_over_a_hidden_image_and_keeps_the_guest_stopped(nodes):
    agents, drivers, conductor, images, guest = nodes
    image_id = _handed_over(nodes)
    assert images.images[image_id]["os_hidden"] is True
    assert images.images[image_id]["visibility"] == "private"
    assert images.data[image_id].startswith(b"fake disk of " + guest["uuid"].encode())
    assert drivers["node1"].get_info(guest).power_state == virt.SHUTDOWN


def test_destination_spawns_and_the_confirm_clears_the_source(nodes):
    agents, drivers, conductor, images, guest = nodes
    image_id = _handed_over(nodes)
    bigger = dict(guest["flavor"], flavorid="2", vcpus=2)
    agents["node2"].finish_migration(None, guest, bigger, image_id)
    (args, _), = conductor.named("resize_done")
    assert args[1:5] == (guest["uuid"], "node2", bigger, virt.RUNNING)
    assert drivers["node2"].get_info(guest).vcpus == 2
    agents["node1"].confirm_migration(None, guest, image_id)
    assert guest["uuid"] not in drivers["node1"].list_instances()
    assert images.images == {}


def test_revert_destroys_the_destination_and_starts_the_source(nodes):
    agents, drivers, conductor, images, guest = nodes
    image_id = _handed_over(nodes)
    agents["node2"].finish_migration(None, guest, guest["flavor"], image_id,
                                     power_on=False)
    assert drivers["node2"].get_info(guest).power_state == virt.SHUTDOWN
    agents["node2"].revert_migration(None, guest)
    assert guest["uuid"] not in drivers["node2"].list_instances()
    assert conductor.named("migration_reverted")
    agents["node1"].finish_revert_migration(None, guest, image_id, power_on=True)
    assert drivers["node1"].get_info(guest).power_state == virt.RUNNING
    (args, _), = conductor.named("instance_update")
    assert args[3] == {"vm_state": "active", "task_state": None,
                       "power_state": virt.RUNNING}
    assert images.images == {}


def test_a_failed_upload_leaves_the_source_running_and_no_image(nodes):
    agents, drivers, conductor, images, guest = nodes
    images.refuse_upload = True
    agents["node1"].migrate_disk(None, guest, guest["flavor"])
    (args, _), = conductor.named("resize_failed")
    assert "refused the upload" in args[3]
    assert not conductor.named("migration_disk_ready")
    assert drivers["node1"].get_info(guest).power_state == virt.RUNNING
    assert images.images == {}


def test_a_driver_that_cannot_move_refuses_and_changes_nothing(nodes):
    agents, drivers, conductor, images, guest = nodes
    drivers["node1"].migrate_disk_and_power_off = (
        lambda inst, upload: virt.VirtDriver.migrate_disk_and_power_off(
            drivers["node1"], inst, upload))
    agents["node1"].migrate_disk(None, guest, guest["flavor"])
    (args, _), = conductor.named("resize_failed")
    assert "cannot move a guest to another host" in args[3]
    assert drivers["node1"].get_info(guest).power_state == virt.RUNNING
    assert images.images == {}


def test_a_lost_source_guest_is_reported_in_error(nodes):
    agents, drivers, conductor, images, guest = nodes

    def lose(inst, upload):
        drivers["node1"].destroy(inst)
        raise virt.VirtDriverError(reason="the disk vanished")
    drivers["node1"].migrate_disk_and_power_off = lose
    agents["node1"].migrate_disk(None, guest, guest["flavor"])
    assert conductor.named("resize_failed")
    (args, kwargs), = conductor.named("instance_update")
    assert args[3] == {"vm_state": "error"}
    assert "guest lost" in kwargs["fault"]["message"]


def test_a_failed_spawn_on_the_destination_leaves_nothing_there(nodes):
    agents, drivers, conductor, images, guest = nodes
    image_id = _handed_over(nodes)
    drivers["node2"].fail_operations.add("spawn")
    agents["node2"].finish_migration(None, guest, guest["flavor"], image_id)
    (args, _), = conductor.named("migration_failed")
    assert args[1:3] == (guest["uuid"], "node2")
    assert drivers["node2"].list_instances() == []
    assert not conductor.named("resize_done")



def test_an_evacuation_spawns_the_server_afresh_from_its_image(nodes):
    agents, drivers, conductor, images, guest = nodes
    source = images.create_image(name="its image")
    images.data[source["id"]] = b"the image's bytes"
    images.images[source["id"]]["status"] = "active"
    evacuated = dict(guest, image_ref=source["id"])  # node1 is down, its guest there
    agents["node2"].evacuate_instance(None, evacuated, power_on=True,
                                      key_data="ssh-ed25519 K")
    (args, _), = conductor.named("evacuate_done")
    assert args[1:4] == (guest["uuid"], "node2", virt.RUNNING)
    assert drivers["node2"].get_info(guest).power_state == virt.RUNNING
    assert drivers["node1"].get_info(guest).power_state == virt.RUNNING  # untouched
    events = [args[3] for args, _ in conductor.named("action_event")]
    assert events.count("compute_rebuild_instance") == 2  # started, finished
    # stopped there when asked (a SHUTOFF server, or 2.95)
    other = dict(instance("stopped"), image_ref=source["id"])
    agents["node2"].evacuate_instance(None, other, power_on=False)
    assert conductor.named("evacuate_done")[-1][0][3] == virt.SHUTDOWN


def test_a_failed_evacuation_leaves_nothing_on_the_destination(nodes):
    agents, drivers, conductor, images, guest = nodes
    drivers["node2"].fail_operations.add("power_off")  # after the spawn
    agents["node2"].evacuate_instance(None, guest, power_on=False)
    (args, _), = conductor.named("evacuate_failed")
    assert args[1:3] == (guest["uuid"], "node2")
    assert "injected failure of power_off" in args[3]
    assert drivers["node2"].list_instances() == []
    assert not conductor.named("evacuate_done")
