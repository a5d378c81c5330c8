"""Servers for the compute tests, through openstacksdk: booted with no network and
waited for until ACTIVE, deleted and waited for until gone."""


def boot_active(conn, image, flavor, name, **extra):
    """Boot ``name`` from ``image`` (an image or its id) with ``flavor`` and no
    network (``extra``: more create_server arguments); the server once ACTIVE (ERROR
    fails at once; 20 s at most)."""
    created = conn.compute.create_server(name=name, image_id=getattr(image, "id", image),
                                         flavor_id=flavor.id, networks="none", **extra)
    return conn.compute.wait_for_server(created, status="ACTIVE", failures=["ERROR"],
                                        interval=0.05, wait=20)


def delete_and_wait(conn, server, **options):
    """Delete ``server`` (``options``: delete_server's, e.g. force=True) and wait
    until it is gone (20 s at most)."""
    conn.compute.delete_server(server, **options)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)
