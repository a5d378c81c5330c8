"""One lite-mode cloud (identity, placement, image, compute) per test module."""

import pytest
from compute_cloud import start_cloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("cloud"))
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def conn(cloud):
    connection = cloud.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def image(conn):
    return conn.image.create_image(name="cirros", data=b"\0" * 1024, disk_format="raw",
                                   container_format="bare", allow_duplicates=True,
                                   visibility="public")


@pytest.fixture(scope="module")
def flavor(conn):
    return conn.compute.create_flavor(name="m1.tiny", ram=512, vcpus=1, disk=1,
                                      id="1")
