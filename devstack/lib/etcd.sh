#!/bin/bash
# COORDINATION=etcd: a one-member etcd of this cloud's own (data in $DATA_DIR/etcd,
# clients on $SERVICE_HOST:$ETCD_PORT). Sourced by stack.sh (uses its say/die).

ETCD_DIR=$DATA_DIR/etcd

# etcd_url: the [coordination] backend_url.
etcd_url() {
    echo "etcd3+http://$SERVICE_HOST:$ETCD_PORT?prefix=/sovra"
}

# start_etcd: start etcd unless it runs already (then reuse it). Returns at once.
start_etcd() {
    local pidfile=$RUN_DIR/etcd.pid etcd
    if sovra_pid_alive "$pidfile"; then
        say "etcd already running (pid $(<"$pidfile")): reusing it"
        return 0
    fi
    local port
    for port in "$ETCD_PORT" "$ETCD_PEER_PORT"; do
        if sovra_port_open "$SERVICE_HOST" "$port"; then
            die "port $SERVICE_HOST:$port is taken by a server stack.sh did not start; set SOVRA_ETCD_PORT / SOVRA_ETCD_PEER_PORT"
        fi
    done
    etcd=$(command -v etcd) || die "etcd not found: is etcd-server installed?"
    local client=http://$SERVICE_HOST:$ETCD_PORT peer=http://$SERVICE_HOST:$ETCD_PEER_PORT
    mkdir -p "$ETCD_DIR"
    say "starting etcd on $SERVICE_HOST:$ETCD_PORT"
    # --initial-* only matter the first time (an existing data dir keeps its cluster)
    nohup "$etcd" --name sovra --data-dir "$ETCD_DIR/data" \
        --listen-client-urls "$client" --advertise-client-urls "$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
        --initial-cluster "sovra=$peer" --initial-cluster-state new \
        --initial-cluster-token "sovra-$(sovra_secret etcd-cluster-token)" \
        --logger zap --log-outputs stderr \
        < /dev/null >> "$LOG_DIR/etcd.log" 2>&1 &
    echo $! > "$pidfile"
}

wait_etcd() {
    local i url=http://$SERVICE_HOST:$ETCD_PORT/health
    for ((i = 0; i < 300; i++)); do
        sovra_pid_alive "$RUN_DIR/etcd.pid" || {
            tail -n 20 "$LOG_DIR/etcd.log" >&2
            die "etcd exited; see $LOG_DIR/etcd.log"
        }
        if "$VENV/bin/python" - "$url" <<'PY' 2>/dev/null
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback
with opener.open(sys.argv[1], timeout=1) as resp:
    body = resp.read().decode().replace(" ", "")
sys.exit(0 if '"health":"true"' in body else 1)
PY
        then
            return 0
        fi
        sleep 0.2
    done
    die "etcd did not answer at $url within 60 s; see $LOG_DIR/etcd.log"
}
