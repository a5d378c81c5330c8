"""A small real cloud for the CLI: identity, image and placement, each started as
sovra-allinone starts it (its own ConfigOpts, SQLite file, ProcessResources) on
127.0.0.1, all on one private ``sovra-inproc://`` bus, with keystone auth; plus a
clouds.yaml for ``sovra --os-cloud``, a counter of password logins, and ``sv``: a
module's ``sovra`` runs with a token cache of their own."""

import dataclasses
import io
import json
import os
import subprocess
import threading
import uuid
from pathlib import Path

import cli_services
import pytest

from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import api as identity_api
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB
from sovra_image.cmd import api as image_api
from sovra_image.db import DATABASE as IMAGE_DB
from sovra_placement.cmd import api as placement_api
from sovra_placement.db import DATABASE as PLACEMENT_DB

HERE = Path(__file__).resolve().parent
SOVRA = cli_services.SOVRA
ADMIN_PASSWORD = cli_services.ADMIN_PASSWORD


def _check_installed() -> None:
    """The tests run the installed ``sovra``: it must exist and know every command
    setup.cfg declares (an editable install made before setup.cfg changed does not)."""
    missing = cli_services.setup_cfg_commands() - set(cli_services.installed_commands())
    if not SOVRA.exists() or missing:
        pytest.fail(f"{SOVRA} is missing or lacks {sorted(missing)[:5]}: refresh the "
                    "install (pip install --no-deps -e .)", pytrace=False)


class LoginCounter:
    """WSGI wrapper around identity: counts password logins per user name."""

    def __init__(self, app):
        self.app = app
        self.counts = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and \
                environ.get("PATH_INFO", "").rstrip("/") == "/v3/auth/tokens":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            try:
                ident = json.loads(body)["auth"]["identity"]
                name = ident["password"]["user"].get("name") \
                    if "password" in ident["methods"] else None
            except (ValueError, KeyError, TypeError):
                name = None
            if name:
                with self._lock:
                    self.counts[name] = self.counts.get(name, 0) + 1
        return self.app(environ, start_response)


@dataclasses.dataclass
class Cloud:
    tmp: Path
    auth_url: str
    urls: dict
    logins: LoginCounter
    clouds_yaml: Path
    cache_dir: Path

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_CLIENT_CONFIG_FILE=str(self.clouds_yaml),
                   XDG_CACHE_HOME=str(self.cache_dir), HOME=str(self.tmp),
                   PYTHONWARNINGS="ignore")
        # tox sets PYTHONDONTWRITEBYTECODE, so on a fresh clone (no __pycache__ in
        # the tree) every ``sovra`` run compiled Sovra's modules again: these runs
        # keep their bytecode under the cloud's directory instead (the prefix holds
        # every module's, so the first run compiles the rest once too)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(self.tmp / "pycache")
        env.update(extra)
        return env

    def sovra(self, *args, cloud="admin", expect=0, env=None, stdin=None):
        """Run the installed ``sovra --os-cloud <cloud> <args>`` (``cloud`` None: no
        --os-cloud); assert the exit status; return the CompletedProcess."""
        argv = [str(SOVRA)]
        if cloud:
            argv += ["--os-cloud", cloud]
        done = subprocess.run([*argv, *args], capture_output=True, text=True, timeout=120,
                              env=env or self.env(), input=stdin, check=False)
        if expect is not None:
            assert done.returncode == expect, \
                f"sovra {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def json(self, *args, **kwargs):
        return json.loads(self.sovra(*args, "-f", "json", **kwargs).stdout)


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="session")
def cloud(tmp_path_factory):
    _check_installed()
    tmp = tmp_path_factory.mktemp("cli-cloud")
    ports = {name: cli_services.free_port() for name in ("identity", "image", "placement")}
    auth_url = f"http://127.0.0.1:{ports['identity']}/v3"
    common = _write(tmp / "sovra.conf",
                    "[auth]\nstrategy = keystone\n"
                    f"www_authenticate_uri = {auth_url}\n"
                    "[messaging]\n"
                    f"transport_url = sovra-inproc:///cli-{uuid.uuid4().hex}\n")

    def service_conf(name, extra=""):
        text = (f"[api]\nbind_host = 127.0.0.1\nbind_port = {ports[name]}\n"
                f"[database]\nconnection = sqlite:///{tmp / name}.db\n")
        if name != "identity":
            text += ("[service_auth]\nauth_type = password\n"
                     f"auth_url = {auth_url}\nusername = {name}\n"
                     f"password = svc-{name}-pw\nuser_domain_id = default\n"
                     "project_name = service\nproject_domain_id = default\n")
        return _write(tmp / f"sovra-{name}.conf", text + extra)

    files = {
        "identity": service_conf(
            "identity", f"[fernet_tokens]\nkey_repository = {tmp / 'fernet'}\n"
                        f"[credential]\nkey_repository = {tmp / 'credential'}\n"),
        "image": service_conf(
            "image", f"[image]\nfilesystem_store_datadir = {tmp / 'images'}\n"
                     f"staging_dir = {tmp / 'staging'}\n"),
        "placement": service_conf("placement"),
    }

    def run(name, *argv):
        rc = manage.main(["--config-file", common, "--config-file", files[name], *argv],
                         services=[IDENTITY_DB, IMAGE_DB, PLACEMENT_DB],
                         commands=identity_manage.COMMANDS)
        assert rc == 0, argv

    run("identity", "identity", "db", "sync")
    run("identity", "identity", "fernet", "setup")
    run("identity", "identity", "credential-keys", "setup")
    run("identity", "identity", "bootstrap", "--password", ADMIN_PASSWORD,
        "--region", "RegionOne", "--public-url", auth_url)
    for name in ("image", "placement"):
        run(name, name, "db", "sync")
        run("identity", "identity", "register-service", "--type", name, "--name", name,
            "--region", "RegionOne", "--public-url", f"http://127.0.0.1:{ports[name]}",
            "--user", name, "--password", f"svc-{name}-pw")

    components = {"identity": identity_api.COMPONENT, "image": image_api.COMPONENT,
                  "placement": placement_api.COMPONENT}
    running, logins = [], None
    try:
        for name, component in components.items():
            conf = component.new_conf()
            sovra_conf.load(conf, "sovra", args=[], config_files=[common, files[name]])
            resources = process.ProcessResources(conf).start()
            handle = component.start(conf, resources)
            running.append((handle, resources))
            if name == "identity":
                logins = LoginCounter(None)
                _wrap_identity(handle, logins)
        clouds_yaml = tmp / "clouds.yaml"
        clouds_yaml.write_text(json.dumps({"clouds": {
            "admin": {"auth": {"auth_url": auth_url, "username": "admin",
                               "password": ADMIN_PASSWORD, "project_name": "admin",
                               "user_domain_id": "default",
                               "project_domain_id": "default"},
                      "region_name": "RegionOne", "identity_api_version": 3},
            "demo": {"auth": {"auth_url": auth_url, "username": "cli-demo",
                              "password": "cli-demo-pw", "project_name": "cli-demo",
                              "user_domain_id": "default",
                              "project_domain_id": "default"},
                     "region_name": "RegionOne", "identity_api_version": 3},
        }}))
        yield Cloud(tmp=tmp, auth_url=auth_url,
                    urls={n: f"http://127.0.0.1:{p}" for n, p in ports.items()},
                    logins=logins, clouds_yaml=clouds_yaml, cache_dir=tmp / "cache")
    finally:
        for handle, resources in reversed(running):
            handle.stop()
            resources.stop()


@pytest.fixture(scope="module")
def sv(cloud):
    """``sovra`` runs with the module's own token cache and no more services
    (cli_services.Services)."""
    with cli_services.started(cloud) as services:
        yield services


def _wrap_identity(handle, counter: LoginCounter) -> None:
    """Put the counter in front of identity's WSGI app (Flask: wsgi_app)."""
    app = handle.app
    counter.app = app.wsgi_app
    app.wsgi_app = counter
