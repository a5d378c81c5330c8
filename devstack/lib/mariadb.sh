#!/bin/bash
# DATABASE=mysql: a MariaDB server of this cloud's own (data in $DATA_DIR/mysql,
# listening on $SERVICE_HOST:$MYSQL_PORT), one database per service, one password
# user `sovra` that owns them. Sourced by stack.sh (uses its say/die).

MYSQL_DIR=$DATA_DIR/mysql
MYSQL_USER=sovra

_mysql_socket() {
    # unix socket paths are limited to 107 bytes
    local sock=$RUN_DIR/mysqld.sock
    if (( ${#sock} > 100 )); then
        sock=/tmp/sovra-mysqld-$(printf '%s' "$DATA_DIR" | sha256sum | cut -c1-12).sock
    fi
    echo "$sock"
}

_mysql_sbin() {
    PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin command -v "$1" ||
        die "$1 not found: is mariadb-server installed? (devstack/tools/install-packages.sh full)"
}

# mysql_url SERVICE: the SQLAlchemy URL of SERVICE's database.
mysql_url() {
    echo "mysql+pymysql://$MYSQL_USER:$(sovra_secret mysql)@$SERVICE_HOST:$MYSQL_PORT/sovra_$1?charset=utf8mb4"
}

# start_mariadb: start the server unless it runs already (then reuse it). Returns
# at once; wait_mariadb waits until it answers.
start_mariadb() {
    local pidfile=$RUN_DIR/mariadb.pid
    if sovra_pid_alive "$pidfile"; then
        say "MariaDB already running (pid $(<"$pidfile")): reusing it"
        return 0
    fi
    if sovra_port_open "$SERVICE_HOST" "$MYSQL_PORT"; then
        die "port $SERVICE_HOST:$MYSQL_PORT is taken by a server stack.sh did not start; set SOVRA_MYSQL_PORT"
    fi
    local mariadbd install_db
    mariadbd=$(_mysql_sbin mariadbd)
    install_db=$(_mysql_sbin mariadb-install-db)
    local -a as_user=()
    [[ $EUID -eq 0 ]] && as_user=(--user=root)  # else: as whoever runs stack.sh
    # Temporary tables in a directory of its own (clean.sh removes it with the
    # rest), not in the shared /tmp.
    mkdir -p "$MYSQL_DIR/tmp"
    if [[ ! -d $MYSQL_DIR/data/mysql ]]; then
        say "creating the MariaDB data directory"
        "$install_db" --no-defaults --datadir="$MYSQL_DIR/data" "${as_user[@]}" \
            --tmpdir="$MYSQL_DIR/tmp" \
            --skip-test-db --skip-name-resolve >> "$LOG_DIR/mariadb-install.log" 2>&1 ||
            die "mariadb-install-db failed; see $LOG_DIR/mariadb-install.log"
    fi
    # Run by the server at each start, before it accepts connections: the TCP user
    # with the password this data dir keeps (root stays unix-socket only).
    local password
    password=$(sovra_secret mysql)
    (umask 077 && cat > "$MYSQL_DIR/init.sql" <<SQL
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'%' IDENTIFIED BY '$password';
ALTER USER '$MYSQL_USER'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`sovra\\_%\`.* TO '$MYSQL_USER'@'%';
SQL
    )
    say "starting MariaDB on $SERVICE_HOST:$MYSQL_PORT"
    nohup "$mariadbd" --no-defaults "${as_user[@]}" \
        --datadir="$MYSQL_DIR/data" --socket="$(_mysql_socket)" \
        --pid-file="$MYSQL_DIR/mariadbd.pid" --init-file="$MYSQL_DIR/init.sql" \
        --tmpdir="$MYSQL_DIR/tmp" \
        --bind-address="$SERVICE_HOST" --port="$MYSQL_PORT" --skip-name-resolve \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --innodb-flush-log-at-trx-commit=2 --innodb-use-native-aio=0 \
        --max-connections=500 \
        < /dev/null >> "$LOG_DIR/mariadb.log" 2>&1 &
    echo $! > "$pidfile"
}

# wait_mariadb: wait until the user can log in; then create the services' databases.
wait_mariadb() {
    local -a databases=("$@")
    local i
    for ((i = 0; i < 300; i++)); do
        sovra_pid_alive "$RUN_DIR/mariadb.pid" || {
            tail -n 20 "$LOG_DIR/mariadb.log" >&2
            die "MariaDB exited; see $LOG_DIR/mariadb.log"
        }
        if SOVRA_MYSQL_PASSWORD=$(sovra_secret mysql) "$VENV/bin/python" - \
            "$SERVICE_HOST" "$MYSQL_PORT" "$MYSQL_USER" "${databases[@]}" <<'PY' 2>/dev/null
import os, sys
import pymysql
host, port, user, *databases = sys.argv[1:]
conn = pymysql.connect(host=host, port=int(port), user=user, connect_timeout=2,
                       password=os.environ["SOVRA_MYSQL_PASSWORD"])
with conn, conn.cursor() as cur:
    for name in databases:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `sovra_{name}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
PY
        then
            return 0
        fi
        sleep 0.2
    done
    die "MariaDB did not answer on $SERVICE_HOST:$MYSQL_PORT within 60 s; see $LOG_DIR/mariadb.log"
}
