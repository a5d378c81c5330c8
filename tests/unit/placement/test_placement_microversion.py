from sovra_placement.api.microversion import MICROVERSIONS, VERSIONS


def test_every_version_from_1_0_to_1_39():
    assert VERSIONS == [f"1.{n}" for n in range(40)]
    assert str(MICROVERSIONS.max) == "1.39"
    assert MICROVERSIONS.service_type == "placement"


def test_each_version_has_its_comment():
    import inspect

    from sovra_placement.api import microversion
    source = inspect.getsource(microversion)
    for version in VERSIONS:
        line = next(ln for ln in source.splitlines() if f'"{version}",' in ln)
        assert "#" in line, version
