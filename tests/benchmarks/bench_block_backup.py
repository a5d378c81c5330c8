"""Volume backup speed of the volume agent (figures, not a test).

    python3 tests/benchmarks/bench_block_backup.py [--random-mib 256] [--size-gib 1]
        [--chunk-mib 32] [--compression zlib] [--s3] [--dir DIR]

A file backend volume of ``--size-gib`` GiB (raw, sparse) under DIR (default: a
temp dir on the disk of /tmp) with ``--random-mib`` MiB of random data (in 8 MiB
pieces spread over the volume) and as much text-like (compressible) data, in other
chunks (a chunk holding both is zlib'd whole, at zlib's speed on random data,
~10x slower than on text: the worst case, not measured here); backed up
through ``sovra_block.agent.backup.VolumeBackups`` to a filesystem store on the
same disk (and, with ``--s3``, to moto's S3 server on 127.0.0.1: moto is slow,
its figure is an upper bound of the client's cost, not of a real S3). Prints, per
store: full backup, incremental after one 8 MiB write, restore into a new volume
(MiB/s of volume size and of data), bytes stored, objects; and the floor: a plain
``qemu-img convert`` of the volume to raw (the staging copy every backup makes).
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/ (the unit tier's helpers)

MiB = 1 << 20
GiB = 1 << 30
PIECE = 8 * MiB


def make_driver(directory):
    from oslo_config import cfg

    from sovra_block.conf import backend as backend_conf
    from sovra_block.drivers import file

    conf = cfg.ConfigOpts()
    conf([], project="sovra-bench", default_config_files=[])
    backend_conf.register_opts(conf, "files")
    conf.set_override("file_volume_dir", str(directory / "volumes"), group="files")
    driver = file.FileDriver(conf, "files")
    driver.do_setup()
    return driver


def fill(path, size, random_mib, chunk):
    """Write random and compressible pieces over the raw volume file, never both in
    one chunk (a chunk that mixes them is compressed whole: see the module's doc)."""
    pieces = max(1, random_mib * MiB // PIECE)
    per_chunk = max(1, chunk // PIECE)
    pairs = -(-pieces // per_chunk)  # (random chunk, text chunk) pairs
    stride = size // pairs // (2 * chunk) * (2 * chunk)
    if stride < 2 * chunk:
        raise SystemExit(f"{random_mib} MiB of random data and as much text do not fit")
    text = (b"the quick brown fox jumps over the lazy volume agent " * 200_000)[:PIECE]
    with open(path, "r+b") as f:
        for i in range(pieces):
            offset = i // per_chunk * stride + i % per_chunk * PIECE
            f.seek(offset)
            f.write(os.urandom(PIECE))
            f.seek(offset + chunk)
            f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return 2 * pieces * PIECE


def timed(func):
    start = time.monotonic()
    result = func()
    return time.monotonic() - start, result


def store_bytes(store):
    return sum(len(store.get_object(n)) for n in store.list_objects(""))


def run(store, label, driver, vol, size, data, args, workdir):
    from sovra_block.agent.backup import VolumeBackups
    from sovra_block.drivers import base

    backups = VolumeBackups(store, driver, conversion_dir=str(workdir / "conversion"),
                            chunk_size=args.chunk_mib * MiB,
                            compression=args.compression)
    full = {"id": str(uuid.uuid4()), "container": None}
    seconds, objects = timed(lambda: backups.backup(vol, full))
    stored = store_bytes(store)
    print(f"{label}: full backup {seconds:.2f} s = {size / MiB / seconds:.0f} MiB/s of "
          f"volume, {data / MiB / seconds:.0f} MiB/s of data; {objects} objects, "
          f"{stored / MiB:.0f} MiB stored for {data / MiB:.0f} MiB of data")

    with open(driver.volume_path(vol), "r+b") as f:
        f.seek(size // 3)
        f.write(os.urandom(PIECE))
    incr = {"id": str(uuid.uuid4()), "container": None}
    seconds, objects = timed(lambda: backups.backup(vol, incr, full))
    print(f"{label}: incremental after one 8 MiB write {seconds:.2f} s, "
          f"{objects} objects, {(store_bytes(store) - stored) / MiB:.0f} MiB stored")

    target = base.VolumeRef(id=str(uuid.uuid4()), size_gb=vol.size_gb)
    driver.create_volume(target)
    seconds, _ = timed(lambda: backups.restore(incr, target))
    print(f"{label}: restore of the incremental {seconds:.2f} s = "
          f"{size / MiB / seconds:.0f} MiB/s of volume, "
          f"{data / MiB / seconds:.0f} MiB/s of data")
    driver.delete_volume(target)
    for backup in (incr, full):
        backups.delete(backup)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--random-mib", type=int, default=256)
    parser.add_argument("--size-gib", type=int, default=1)
    parser.add_argument("--chunk-mib", type=int, default=32)
    parser.add_argument("--compression", default="zlib", choices=["zlib", "none"])
    parser.add_argument("--s3", action="store_true")
    parser.add_argument("--dir")
    args = parser.parse_args()

    from sovra_block.backup.filesystem import FilesystemBackupStore
    from sovra_block.drivers import base

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-backup-") as tmp:
        workdir = pathlib.Path(tmp)
        driver = make_driver(workdir)
        vol = base.VolumeRef(id=str(uuid.uuid4()), size_gb=args.size_gib)
        driver.create_volume(vol)
        size = args.size_gib * GiB
        data = fill(driver.volume_path(vol), size, args.random_mib, args.chunk_mib * MiB)
        print(f"volume: {args.size_gib} GiB raw, {data / MiB:.0f} MiB of data (half "
              f"random, half text); chunks {args.chunk_mib} MiB, {args.compression}; "
              f"{os.cpu_count()} CPUs")
        seconds, _ = timed(lambda: subprocess.run(
            ["qemu-img", "convert", "-f", "raw", "-O", "raw",
             driver.volume_path(vol), str(workdir / "floor.raw")], check=True))
        os.unlink(workdir / "floor.raw")
        print(f"floor: qemu-img convert to raw {seconds:.2f} s = "
              f"{size / MiB / seconds:.0f} MiB/s of volume")

        store = FilesystemBackupStore(str(workdir / "backups"))
        store.setup()
        run(store, "filesystem", driver, vol, size, data, args, workdir)
        if args.s3:
            import logging
            import socket

            from moto.server import ThreadedMotoServer

            from sovra_block.backup.s3 import S3BackupStore

            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port,
                                        verbose=False)
            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line a request
            server.start()
            try:
                store = S3BackupStore(bucket="bench", endpoint_url=f"http://127.0.0.1:{port}",
                                      access_key="k", secret_key="s", create_bucket=True)
                store.setup()
                run(store, "s3 (moto)", driver, vol, size, data, args, workdir)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
