#!/bin/bash
# MESSAGING=rabbit: a RabbitMQ node of this cloud's own (state in $DATA_DIR/rabbitmq,
# AMQP on $SERVICE_HOST:$RABBIT_PORT) with its own epmd on 127.0.0.1:$EPMD_PORT, a
# user `sovra` and a virtual host `sovra`. Sourced by stack.sh (uses its say/die).

RABBIT_DIR=$DATA_DIR/rabbitmq
RABBIT_USER=sovra
RABBIT_VHOST=sovra
RABBIT_BIN=${SOVRA_RABBIT_BIN:-/usr/lib/rabbitmq/bin}

# rabbit_url: the oslo.messaging transport URL.
rabbit_url() {
    echo "rabbit://$RABBIT_USER:$(sovra_secret rabbit)@$SERVICE_HOST:$RABBIT_PORT/$RABBIT_VHOST"
}

# The environment of the node and of its CLI tools (rabbitmqctl): nothing from
# /etc/rabbitmq, the Erlang cookie in $RABBIT_DIR, our epmd.
_rabbit_env() {
    # shellcheck disable=SC2153  # RABBIT_DIST_PORT: lib/settings.sh
    export HOME=$RABBIT_DIR \
        ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$EPMD_PORT \
        ERL_CRASH_DUMP=$RABBIT_DIR/erl_crash.dump \
        RABBITMQ_NODENAME=sovra@localhost \
        RABBITMQ_NODE_IP_ADDRESS=$SERVICE_HOST RABBITMQ_NODE_PORT=$RABBIT_PORT \
        RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        RABBITMQ_CONF_ENV_FILE=$RABBIT_DIR/rabbitmq-env.conf \
        RABBITMQ_CONFIG_FILE=$RABBIT_DIR/rabbitmq.conf \
        RABBITMQ_ADVANCED_CONFIG_FILE=$RABBIT_DIR/advanced.config \
        RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_DIR/enabled_plugins \
        RABBITMQ_MNESIA_BASE=$RABBIT_DIR/mnesia \
        RABBITMQ_LOG_BASE=$LOG_DIR RABBITMQ_LOGS=- \
        RABBITMQ_PID_FILE=$RUN_DIR/rabbitmq.pid
}

_start_epmd() {
    local pidfile=$RUN_DIR/epmd.pid epmd
    if sovra_pid_alive "$pidfile"; then
        return 0
    fi
    if sovra_port_open 127.0.0.1 "$EPMD_PORT"; then
        say "an epmd stack.sh did not start answers on 127.0.0.1:$EPMD_PORT: using it"
        return 0
    fi
    epmd=$(command -v epmd) || die "epmd not found: is rabbitmq-server installed?"
    nohup "$epmd" -port "$EPMD_PORT" -address 127.0.0.1 \
        < /dev/null >> "$LOG_DIR/epmd.log" 2>&1 &
    echo $! > "$pidfile"
    local i
    for ((i = 0; i < 50; i++)); do
        sovra_port_open 127.0.0.1 "$EPMD_PORT" && return 0
        sleep 0.1
    done
    die "epmd did not listen on 127.0.0.1:$EPMD_PORT; see $LOG_DIR/epmd.log"
}

# start_rabbitmq: start the node unless it runs already (then reuse it). Returns at
# once; wait_rabbitmq waits until the user can log in.
start_rabbitmq() {
    if sovra_pid_alive "$RUN_DIR/rabbitmq.pid"; then
        say "RabbitMQ already running (pid $(<"$RUN_DIR/rabbitmq.pid")): reusing it"
        return 0
    fi
    if sovra_port_open "$SERVICE_HOST" "$RABBIT_PORT"; then
        die "port $SERVICE_HOST:$RABBIT_PORT is taken by a server stack.sh did not start; set SOVRA_RABBIT_PORT"
    fi
    [[ -x $RABBIT_BIN/rabbitmq-server ]] ||
        die "$RABBIT_BIN/rabbitmq-server not found: is rabbitmq-server installed?"
    mkdir -p "$RABBIT_DIR"
    # The user and vhost are created at the node's first boot (default_*); a node
    # whose user does not log in is fixed with rabbitmqctl by wait_rabbitmq.
    (umask 077 && cat > "$RABBIT_DIR/rabbitmq.conf" <<CONF
default_user = $RABBIT_USER
default_pass = $(sovra_secret rabbit)
default_vhost = $RABBIT_VHOST
CONF
    )
    echo "[]." > "$RABBIT_DIR/enabled_plugins"  # no management plugin on 0.0.0.0
    : > "$RABBIT_DIR/rabbitmq-env.conf"
    say "starting RabbitMQ on $SERVICE_HOST:$RABBIT_PORT"
    (
        _rabbit_env
        _start_epmd
        # Debian's /usr/sbin/rabbitmq-server su's to the rabbitmq user; this one runs
        # the node as us. It writes the Erlang VM's pid to $RUN_DIR/rabbitmq.pid.
        nohup "$RABBIT_BIN/rabbitmq-server" < /dev/null >> "$LOG_DIR/rabbitmq.log" 2>&1 &
        echo $! > "$RUN_DIR/rabbitmq-launcher.pid"
    )
}

_rabbit_login() {
    SOVRA_RABBIT_URL=$(rabbit_url) "$VENV/bin/python" - <<'PY' 2>/dev/null
import os, sys
import kombu
from amqp.exceptions import AccessRefused
url = os.environ["SOVRA_RABBIT_URL"].replace("rabbit://", "amqp://", 1)
try:
    with kombu.Connection(url, connect_timeout=2) as conn:
        conn.connect()
except AccessRefused:
    sys.exit(3)
except Exception:
    sys.exit(1)
PY
}

_rabbit_ctl() {
    (_rabbit_env && "$RABBIT_BIN/rabbitmqctl" -q "$@") >> "$LOG_DIR/rabbitmqctl.log" 2>&1
}

wait_rabbitmq() {
    local i rc fixed=
    for ((i = 0; i < 600; i++)); do
        if ! sovra_pid_alive "$RUN_DIR/rabbitmq.pid" &&
            ! sovra_pid_alive "$RUN_DIR/rabbitmq-launcher.pid"; then
            tail -n 20 "$LOG_DIR/rabbitmq.log" >&2
            die "RabbitMQ exited; see $LOG_DIR/rabbitmq.log"
        fi
        if sovra_port_open "$SERVICE_HOST" "$RABBIT_PORT"; then
            rc=0; _rabbit_login || rc=$?
            [[ $rc -eq 0 ]] && return 0
            if [[ $rc -eq 3 && -z $fixed ]]; then
                say "RabbitMQ refused user $RABBIT_USER: (re)creating it with rabbitmqctl"
                fixed=1
                local password
                password=$(sovra_secret rabbit)
                _rabbit_ctl add_vhost "$RABBIT_VHOST" || true
                _rabbit_ctl add_user "$RABBIT_USER" "$password" ||
                    _rabbit_ctl change_password "$RABBIT_USER" "$password" ||
                    die "rabbitmqctl failed; see $LOG_DIR/rabbitmqctl.log"
                _rabbit_ctl set_permissions -p "$RABBIT_VHOST" "$RABBIT_USER" '.*' '.*' '.*' ||
                    die "rabbitmqctl failed; see $LOG_DIR/rabbitmqctl.log"
                continue
            fi
        fi
        sleep 0.1
    done
    die "RabbitMQ did not accept $RABBIT_USER on $SERVICE_HOST:$RABBIT_PORT within 60 s; see $LOG_DIR/rabbitmq.log"
}
