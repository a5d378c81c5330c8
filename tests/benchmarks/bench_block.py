"""Block storage speed with the file backend (figures, not a test).

    python3 tests/benchmarks/bench_block.py [--volumes 40] [--concurrency 5]
                                            [--image-mib 256] [--dir DIR]

One lite-mode process: real identity, image and block storage (API and one volume
agent whose file backend keeps volumes under DIR, default a temp dir on the disk of
/tmp) on the in-process bus, SQLite files. Prints:

- create and delete rate of blank 1 GiB volumes (POST to ``available`` seen, DELETE
  to gone), ``--concurrency`` clients at once, with p50/p95 of each;
- attach/detach latency through the attachments API as compute calls it (reserve,
  connect with a connector, complete; then delete), p50/p95;
- create-from-image: a ``--image-mib`` MiB qcow2 image of random data, volume
  POST to ``available``, against plain ``qemu-img convert -O raw`` of the same file
  on the same disk (the floor: the agent downloads, checks and converts).
"""

import argparse
import concurrent.futures
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid
import warnings

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "functional" / "block"))

from block_cloud import start_cloud  # noqa: E402

MiB = 1024 * 1024


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _wait(client, volume_id, status):
    return client.wait_volume(volume_id, status, timeout=600, interval=0.02)


def _gone(client, volume_id):
    from keystoneauth1 import exceptions
    while True:
        try:
            client.get_volume(volume_id)
        except exceptions.NotFound:
            return
        time.sleep(0.02)


def bench_create_delete(client, count, concurrency):
    def create(i):
        start = time.perf_counter()
        volume = client.create_volume(size=1, name=f"bench-{i}")
        _wait(client, volume["id"], "available")
        return volume["id"], time.perf_counter() - start

    def delete(volume_id):
        start = time.perf_counter()
        client.delete_volume(volume_id)
        _gone(client, volume_id)
        return time.perf_counter() - start

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        start = time.perf_counter()
        created = list(pool.map(create, range(count)))
        create_wall = time.perf_counter() - start
        start = time.perf_counter()
        deleted = list(pool.map(delete, [v for v, _ in created]))
        delete_wall = time.perf_counter() - start
    times = [t for _, t in created]
    print(f"create: {count / create_wall:.1f} volumes/s, p50 {_pct(times, .5):.3f} s, "
          f"p95 {_pct(times, .95):.3f} s ({count} x 1 GiB, concurrency {concurrency})")
    print(f"delete: {count / delete_wall:.1f} volumes/s, p50 {_pct(deleted, .5):.3f} s, "
          f"p95 {_pct(deleted, .95):.3f} s")


def bench_attach(client, rounds):
    volume = client.create_volume(size=1, name="bench-attach")
    _wait(client, volume["id"], "available")
    connector = {"host": "node1", "ip": "127.0.0.1", "platform": "x86_64",
                 "os_type": "linux", "multipath": False}
    attach, detach = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        att = client.create_attachment(volume["id"], str(uuid.uuid4()))
        client.update_attachment(att["id"], connector)
        client.complete_attachment(att["id"])
        attach.append(time.perf_counter() - start)
        start = time.perf_counter()
        client.delete_attachment(att["id"])
        detach.append(time.perf_counter() - start)
    client.delete_volume(volume["id"])
    print(f"attach (reserve + connect + complete): p50 {_pct(attach, .5) * 1000:.1f} ms, "
          f"p95 {_pct(attach, .95) * 1000:.1f} ms; detach p50 "
          f"{_pct(detach, .5) * 1000:.1f} ms, p95 {_pct(detach, .95) * 1000:.1f} ms "
          f"({rounds} rounds)")


def bench_from_image(conn, client, workdir, mib):
    raw = workdir / "image.raw"
    with open(raw, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(MiB))
    qcow2 = workdir / "image.qcow2"
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw),
                    str(qcow2)], check=True)
    raw.unlink()
    start = time.perf_counter()
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(qcow2),
                    str(workdir / "reference.raw")], check=True)
    reference = time.perf_counter() - start
    os.unlink(workdir / "reference.raw")
    with open(qcow2, "rb") as f:
        image = conn.image.create_image(name="bench", data=f, disk_format="qcow2",
                                        container_format="bare")
    size_gb = max(1, -(-mib // 1024))
    # warm-up: the first image request of the API and of the agent each log their
    # service user in (a bcrypt check in identity); not what is measured
    warm = conn.image.create_image(name="warm", data=b"\0" * MiB, disk_format="raw",
                                   container_format="bare")
    volume = client.create_volume(size=1, image_id=warm.id)
    _wait(client, volume["id"], "available")
    client.delete_volume(volume["id"])
    conn.image.delete_image(warm)
    start = time.perf_counter()
    volume = client.create_volume(size=size_gb, image_id=image.id)
    _wait(client, volume["id"], "available")
    took = time.perf_counter() - start
    print(f"create from a {mib} MiB qcow2 image: {took:.2f} s ({mib / took:.0f} MiB/s); "
          f"qemu-img convert alone {reference:.2f} s ({mib / reference:.0f} MiB/s): "
          f"{reference / took:.0%} of its speed")
    client.delete_volume(volume["id"])
    conn.image.delete_image(image)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--attach-rounds", type=int, default=30)
    parser.add_argument("--image-mib", type=int, default=256)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        workdir = pathlib.Path(tmp)
        cloud = start_cloud(workdir)
        conn = cloud.connect()
        try:
            from sovra_block.client import BlockClient
            client = BlockClient(conn.session)
            # the default quota (10 volumes) would stop the create/delete run
            conn.block_storage.update_quota_set(conn.current_project_id, volumes=-1,
                                                gigabytes=-1)
            bench_create_delete(client, args.volumes, args.concurrency)
            bench_attach(client, args.attach_rounds)
            bench_from_image(conn, client, workdir, args.image_mib)
        finally:
            conn.close()
            cloud.stop()


if __name__ == "__main__":
    main()
