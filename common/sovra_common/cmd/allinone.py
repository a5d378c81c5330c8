"""``sovra-allinone``: every enabled component of the cloud in one process (lite mode).

    sovra-allinone --config-dir .stack/etc [--components identity-api,image-api]

Each component reads ``<config-dir>/sovra.conf`` (what they all share: the bus, auth
strategy, logging) and then its own ``<config-dir>/<config_project>.conf`` (its
database, port, credentials). Without ``--components``, a component is enabled when
its own config file exists. They share the in-process bus (``sovra-inproc://``),
one token cache and its revocation listener.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from sovra_common import conf as sovra_conf
from sovra_common import log as sovra_log
from sovra_common import process

ENTRY_POINTS = "sovra.components"
COMMON_FILE = "sovra.conf"


def discover() -> dict:
    """{name: Component} from the ``sovra.components`` entry points."""
    return {ep.name: ep.load() for ep in metadata.entry_points(group=ENTRY_POINTS)}


def _parser(names) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sovra-allinone",
        description="Run Sovra's APIs and workers in one process (lite mode). Each "
                    "component reads sovra.conf and then <its project>.conf from "
                    "--config-dir.",
        epilog="Known components: " + (", ".join(sorted(names)) or "none installed"))
    parser.add_argument("--config-dir", required=True, type=Path,
                        help="directory holding sovra.conf and one file per service")
    parser.add_argument("--components",
                        help="comma-separated components to run (default: those whose "
                             "config file exists in --config-dir)")
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    return parser


def _load(component, config_dir: Path, debug: bool):
    files = [config_dir / COMMON_FILE, config_dir / f"{component.config_project}.conf"]
    conf = component.new_conf()
    args = ["--debug"] if debug else []
    return sovra_conf.load(conf, "sovra", args=args,
                           config_files=[str(f) for f in files if f.exists()])


def main(argv=None, components: dict | None = None) -> int:
    """``components`` replaces entry-point discovery (tests)."""
    components = discover() if components is None else components
    args = _parser(components).parse_args(argv)
    if not args.config_dir.is_dir():
        print(f"sovra-allinone: no such directory: {args.config_dir}", file=sys.stderr)
        return 2
    if args.components:
        wanted = [n.strip() for n in args.components.split(",") if n.strip()]
        unknown = sorted(set(wanted) - set(components))
        if unknown:
            print(f"sovra-allinone: unknown component(s): {', '.join(unknown)}; known: "
                  f"{', '.join(sorted(components)) or 'none'}", file=sys.stderr)
            return 2
    else:
        wanted = sorted(n for n, c in components.items()
                        if (args.config_dir / f"{c.config_project}.conf").exists())
    if not wanted:
        print("sovra-allinone: no component enabled: none has a config file in "
              f"{args.config_dir}", file=sys.stderr)
        return 2

    try:
        loaded = [(components[name], _load(components[name], args.config_dir, args.debug))
                  for name in wanted]
    except Exception as exc:
        print(f"sovra-allinone: configuration error: {exc}", file=sys.stderr)
        return 2
    base_conf = loaded[0][1]
    sovra_log.setup(base_conf, "sovra-allinone")
    try:
        resources = process.ProcessResources(base_conf).start()
        process.run(loaded, resources)
    except Exception as exc:
        process.LOG.exception("sovra-allinone failed")
        print(f"sovra-allinone: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
