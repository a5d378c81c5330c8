"""What the real-guest test modules do to a lite cloud whose agents run the libvirt
driver: close it leaving no guest behind, and wait for a volume's status."""

from functional.compute.compute_cloud import wait_for


def stop_with_guests(cloud):
    """Stop ``cloud`` and destroy every guest its drivers still list (a failed test
    may leave one), then close the drivers' libvirt connections."""
    cloud.stop()
    for driver in cloud.drivers.values():
        for leftover in driver.list_instances():
            driver.destroy({"uuid": leftover})
        driver.close()


def volume_status(conn, volume_id, status, timeout=60):
    wait_for(lambda: conn.block_storage.get_volume(volume_id).status == status,
             timeout=timeout, interval=0.05)
