"""The tier's own servers work, and stop without leaving a process behind."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import etcd3gw
import kombu
import oslo_messaging
import pymysql
import pytest
import requests
import sqlalchemy
from integration import servers
from oslo_config import cfg


def test_mariadb_sql_round_trip(mariadb_server):
    url = sqlalchemy.engine.make_url(mariadb_server.url_for("sovra_smoke"))
    assert (url.drivername, url.host, url.username) == ("mysql+pymysql", "127.0.0.1", "sovra")
    assert url.query == {"charset": "utf8mb4"}

    conn = pymysql.connect(host=url.host, port=url.port, user=url.username,
                           password=url.password, database=url.database, charset="utf8mb4")
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE things (id INT PRIMARY KEY, name VARCHAR(64))")
        cur.execute("INSERT INTO things VALUES (%s, %s)", (1, "søvra ☁"))
        conn.commit()
        cur.execute("SELECT name FROM things WHERE id = 1")
        assert cur.fetchone() == ("søvra ☁",)
        cur.execute("SELECT @@character_set_database")
        assert cur.fetchone() == ("utf8mb4",)


def test_mariadb_url_for_is_idempotent_and_usable_by_sqlalchemy(mariadb_server):
    first = mariadb_server.url_for("sovra_again")
    assert mariadb_server.url_for("sovra_again") == first
    engine = sqlalchemy.create_engine(first)
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("SELECT DATABASE()")).scalar() == "sovra_again"
    finally:
        engine.dispose()
    with pytest.raises(ValueError):
        mariadb_server.url_for("bad`name")


def test_rabbitmq_publish_consume(rabbitmq_url):
    parsed = oslo_messaging.TransportURL.parse(cfg.ConfigOpts(), rabbitmq_url)
    assert parsed.transport == "rabbit"
    assert parsed.hosts[0].hostname == "127.0.0.1"

    name = f"sovra-smoke-{uuid.uuid4().hex}"
    with kombu.Connection(rabbitmq_url.replace("rabbit://", "amqp://", 1),
                          connect_timeout=5) as conn:
        queue = conn.SimpleQueue(name, queue_opts={"auto_delete": True})
        try:
            queue.put({"hello": "sovra"})
            message = queue.get(block=True, timeout=5)
            message.ack()
            assert message.payload == {"hello": "sovra"}
        finally:
            queue.close()


def test_etcd_put_get(etcd_endpoint):
    host, port = etcd_endpoint
    session = requests.Session()
    session.trust_env = False  # no proxy to loopback
    try:
        client = etcd3gw.Etcd3Client(host=host, port=port, session=session, timeout=5)
        assert client.put("/sovra/smoke", "hello")
        assert client.get("/sovra/smoke") == [b"hello"]
        lease = client.lease(ttl=30)
        client.put("/sovra/alive", "yes", lease=lease)
        assert client.get("/sovra/alive") == [b"yes"]
        lease.revoke()
        assert client.get("/sovra/alive") == []
    finally:
        session.close()


@pytest.mark.parametrize("server_class", [servers.EtcdServer, servers.MariaDBServer,
                                          servers.RabbitMQServer])
def test_two_servers_start_and_stop_cleanly(server_class):
    first, second = server_class(), server_class()
    try:
        with ThreadPoolExecutor(2) as pool:  # at the same time: no collisions
            list(pool.map(server_class.start, (first, second)))
        assert first.port != second.port
        assert first.tmpdir != second.tmpdir
        pids = first.pids() + second.pids()
        assert pids and all(_alive(pid) for pid in pids)
    finally:
        first.stop()
        second.stop()
    assert [pid for pid in pids if _alive(pid)] == []
    assert not first.tmpdir.exists() and not second.tmpdir.exists()
    first.stop()  # stop is idempotent


def test_start_failure_shows_the_log():
    class Broken(servers.EtcdServer):
        def _launch(self):
            self.port = servers.free_ports(1)[0]
            self._spawn(self.name, ["sh", "-c", "echo no such luck >&2; exit 3"])

    server = Broken()
    with pytest.raises(servers.ServerError, match=r"(?s)exited 3.*no such luck"):
        server.start()
    assert not server.tmpdir.exists()


def _alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_missing_binary_message_names_the_installer():
    with pytest.raises(servers.MissingBinary, match="install-packages.sh test"):
        servers.find_binary("sovra-no-such-server")
