"""BlockClient's URLs: paths written from the API's root (/v3/...) reach the same
resource whether the endpoint names the version (a catalog's .../v3, or an older
.../v3/<project id>) or not (an override of the bare host), never /v3/v3/."""

import pytest
from keystoneauth1 import session as ks_session

from sovra_block.client import BlockClient


class RecordingSession(ks_session.Session):
    """A keystoneauth1 Session that sends nothing: records what the Adapter asks
    for and resolves the endpoint as Session does with an override (as given)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def get_endpoint(self, auth=None, **kwargs):
        return kwargs.get("endpoint_override")

    def request(self, url, method, **kwargs):
        self.calls.append((method, kwargs.get("endpoint_override"), url))
        return _Response()


class _Response:
    status_code = 200
    content = b"{}"

    def json(self):
        return {"volume": {"id": "v"}, "snapshots": [], "volume_types": []}


@pytest.mark.parametrize(("endpoint", "path"), [
    ("http://block:8776/v3", "/volumes/v"),
    ("http://block:8776/v3/", "/volumes/v"),
    ("http://block:8776/v3/0123456789abcdef", "/volumes/v"),
    ("http://block:8776", "/v3/volumes/v"),
    ("http://block:8776/", "/v3/volumes/v"),
])
def test_paths_join_the_endpoint_once(endpoint, path):
    session = RecordingSession()
    client = BlockClient(session, endpoint_override=endpoint)
    client.get_volume("v")
    client.list_snapshots()
    client.list_volume_types()
    assert session.calls[0] == ("GET", endpoint, path)
    assert [url for _, _, url in session.calls[1:]] == [
        path.replace("/volumes/v", "/snapshots/detail"),
        path.replace("/volumes/v", "/types")]


def test_a_next_link_is_followed_as_given():
    session = RecordingSession()
    client = BlockClient(session, endpoint_override="http://block:8776/v3")
    pages = iter([{"snapshots": [{"id": "s1"}], "snapshots_links": [
        {"rel": "next", "href": "http://block:8776/v3/snapshots/detail?marker=s1"}]},
        {"snapshots": [{"id": "s2"}]}])

    class Paged(_Response):
        def json(self):
            return next(pages)

    session.request = lambda url, method, **kw: (
        session.calls.append((method, None, url)) or Paged())
    assert [s["id"] for s in client.list_snapshots()] == ["s1", "s2"]
    assert [url for _, _, url in session.calls] == [
        "/snapshots/detail", "http://block:8776/v3/snapshots/detail?marker=s1"]
