"""Sovra installs both as a wheel (`pip install .`) and editable (`pip install -e .`).

Each install goes into a fresh virtualenv with --no-deps (the dependencies come from
this interpreter's site-packages through a path file; only the build backend comes
from the package index, as in any `pip install .`)
and is checked from a subprocess: the seven packages import from where that install
put them, and the entry points are registered.
"""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "sovra_common": "common", "sovra_identity": "identity-svc",
    "sovra_compute": "compute-svc", "sovra_network": "network-svc",
    "sovra_block": "block-svc", "sovra_image": "image-svc",
    "sovra_placement": "placement-svc",
}

PROBE = """
import importlib, importlib.metadata as md, json, sys
names = sys.argv[1].split(",")
files = {n: importlib.import_module(n).__file__ for n in names}
eps = sorted(f"{e.group}:{e.name}" for e in md.distribution("sovra").entry_points)
import sovra_common.wsgi.app, sovra_common.conf
print(json.dumps({"files": files, "entry_points": eps}))
"""


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True)
    # Dependencies from the running interpreter; a plain path line does not run that
    # directory's own .pth files, so an editable sovra installed there stays invisible.
    Path(site.stdout.strip(), "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _install(python: Path, *args) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                    *args], check=True, cwd=str(ROOT),
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})


def _probe(python: Path) -> dict:
    out = subprocess.run([str(python), "-c", PROBE, ",".join(PACKAGES)], check=True,
                         capture_output=True, text=True, cwd="/")
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("editable", [False, True], ids=["wheel", "editable"])
def test_install(tmp_path, editable):
    python = _venv(tmp_path)
    _install(python, *(["-e", str(ROOT)] if editable else [str(ROOT)]))
    probe = _probe(python)
    for name, folder in PACKAGES.items():
        where = Path(probe["files"][name]).resolve()
        if editable:
            assert where == ROOT / folder / name / "__init__.py"
        else:
            assert str(where).startswith(str(tmp_path)), where
    assert "console_scripts:sovra-manage" in probe["entry_points"]
    assert "oslo.config.opts:sovra.common" in probe["entry_points"]


def test_wheel_carries_every_tracked_package_file(tmp_path):
    """Non-Python files (alembic templates, data) must not be left out of the wheel."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(tmp_path), str(ROOT)], check=True)
    import zipfile
    wheel = next(tmp_path.glob("sovra-*.whl"))
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", *PACKAGES.values()], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    missing = []
    for path in tracked:
        folder, _, inner = path.partition("/")
        if inner.startswith("sovra_") and inner not in in_wheel:
            missing.append(inner)
    assert not missing, missing
