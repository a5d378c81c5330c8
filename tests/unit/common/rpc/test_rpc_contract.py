"""The contract-test helper: a signature change shows, and needs a version bump."""

import oslo_messaging
import pytest

from sovra_common import exception
from sovra_common.rpc import contract as fp
from sovra_common.rpc.server import RPCEndpoint, expected_errors


def _endpoint(version="1.0", **methods):
    return type("WidgetEndpoint", (RPCEndpoint,),
                {"target": oslo_messaging.Target(version=version), **methods})


def frob(self, ctxt, widget_id, force=False):
    pass


def test_public_methods_only():
    def _helper(self):
        pass

    cls = _endpoint(frob=frob, _helper=_helper, LIMIT=3)
    assert list(fp.fingerprint(cls)) == ["frob"]


def test_fingerprint_is_stable_and_ignores_bodies_and_annotations():
    def frob_annotated(self, ctxt: object, widget_id: str, force: bool = False) -> int:
        return 1

    assert fp.fingerprint(_endpoint(frob=frob)) == fp.fingerprint(_endpoint(frob=frob))
    assert fp.fingerprint(_endpoint(frob=frob)) == \
        fp.fingerprint(_endpoint(frob=frob_annotated))


@pytest.mark.parametrize("changed", [
    lambda self, ctxt, widget_id, force=False, extra=None: None,  # argument added
    lambda self, ctxt, widget, force=False: None,                 # renamed
    lambda self, ctxt, widget_id, force=True: None,               # default changed
    lambda self, ctxt, widget_id, force: None,                    # default removed
    lambda self, ctxt, widget_id, *, force=False: None,           # made keyword-only
])
def test_any_signature_change_changes_the_fingerprint(changed):
    assert fp.fingerprint(_endpoint(frob=frob))["frob"] != \
        fp.fingerprint(_endpoint(frob=changed))["frob"]


def test_object_defaults_do_not_make_it_unstable():
    def with_object(self, ctxt, opts=object()):
        pass

    assert fp.signature_text(with_object) == "POSITIONAL_OR_KEYWORD:ctxt, " \
        "POSITIONAL_OR_KEYWORD:opts=<object>"


def test_expected_errors_keeps_the_signature():
    wrapped = expected_errors(exception.NotFound)(frob)
    assert fp.fingerprint(_endpoint(frob=wrapped)) == fp.fingerprint(_endpoint(frob=frob))


def test_check_passes_when_pinned():
    cls = _endpoint(frob=frob)
    fp.check_fingerprint(cls, "1.0", fp.fingerprint(cls))


def test_check_catches_an_unversioned_change():
    pinned = fp.fingerprint(_endpoint(frob=frob))

    def polish(self, ctxt):
        pass

    changed = _endpoint(frob=frob, polish=polish)
    with pytest.raises(AssertionError, match=r"without a version bump \(added polish\)"):
        fp.check_fingerprint(changed, "1.0", pinned)


def test_check_after_a_bump_asks_for_the_new_pin():
    pinned = fp.fingerprint(_endpoint(frob=frob))
    bumped = _endpoint("1.1", frob=frob, polish=lambda self, ctxt: None)
    with pytest.raises(AssertionError, match="now at version 1.1") as info:
        fp.check_fingerprint(bumped, "1.0", pinned)
    assert "check_fingerprint(WidgetEndpoint, '1.1', {" in str(info.value)
    assert repr(fp.fingerprint(bumped)["polish"]) in str(info.value)


def test_check_refuses_a_version_going_back():
    cls = _endpoint("1.0", frob=frob)
    with pytest.raises(AssertionError, match="went back"):
        fp.check_fingerprint(cls, "1.1", fp.fingerprint(cls))
