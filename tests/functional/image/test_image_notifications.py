"""Every state change of an image publishes an audit event."""

from conftest import PROJECT_B


class RecordingNotifier:
    def __init__(self):
        self.events = []

    def info(self, ctxt, event_type, payload):
        self.events.append((event_type, payload))


def test_state_changes_are_notified(image_api_factory):
    notifier = RecordingNotifier()
    api = image_api_factory(notifier=notifier)
    image = api.create(name="n1")
    api.patch(image["id"], [{"op": "replace", "path": "/name", "value": "n2"}])
    api.upload(image["id"], b"data")
    members = f"/v2/images/{image['id']}/members"
    api.request("POST", members, json={"member": PROJECT_B})
    api.request("PUT", f"{members}/{PROJECT_B}", json={"status": "accepted"},
                project=PROJECT_B)
    api.request("DELETE", f"{members}/{PROJECT_B}")
    api.request("POST", f"/v2/images/{image['id']}/actions/deactivate", project="admin")
    api.request("POST", f"/v2/images/{image['id']}/actions/reactivate", project="admin")
    api.request("DELETE", f"/v2/images/{image['id']}")
    api.request("GET", f"/v2/images/{image['id']}")  # reads publish nothing
    assert [e for e, _ in notifier.events] == [
        "image.image.create", "image.image.update", "image.image.upload",
        "image.member.create", "image.member.update", "image.member.delete",
        "image.image.deactivate", "image.image.reactivate", "image.image.delete"]
    assert dict(notifier.events)["image.image.deactivate"]["status"] == "deactivated"
    upload = dict(notifier.events)["image.image.upload"]
    assert upload["id"] == image["id"] and upload["status"] == "active"
    assert upload["size"] == 4
