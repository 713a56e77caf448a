# Sourced by `make pytest`: a throwaway PostgreSQL cluster on 127.0.0.1 for the storage tests,
# which run against it as well as SQLite. It lives in a temporary folder, listens on a free
# port, trusts local connections and is removed by postgres_server_stop. Where it cannot start
# (no PostgreSQL installed, e.g. a developer's Mac) the PostgreSQL tests skip with the reason
# in OSCE_SIM_POSTGRES_SKIP; OSCE_SIM_REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure.

postgres_server_start() {
  unset OSCE_SIM_TEST_POSTGRES_URL
  local bindir=""
  if command -v pg_ctl >/dev/null 2>&1; then bindir="$(dirname "$(command -v pg_ctl)")"; fi
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bindir="$d"; done
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    export OSCE_SIM_POSTGRES_SKIP="PostgreSQL is not installed (no initdb/pg_ctl; apt-get install postgresql)"
    echo "postgres server: $OSCE_SIM_POSTGRES_SKIP"; return 0
  fi
  # initdb refuses to run as root: the cluster belongs to an unprivileged user
  local as=()
  if [ "$(id -u)" = 0 ]; then
    local user=postgres
    id -u "$user" >/dev/null 2>&1 || user=nobody
    as=(runuser -u "$user" --)
  fi
  OSCE_SIM_PG_DIR="$(mktemp -d /tmp/osce-sim-pg.XXXXXX)"
  export OSCE_SIM_PG_DIR
  chmod 755 "$OSCE_SIM_PG_DIR"
  [ "${#as[@]}" -gt 0 ] && chown "${as[2]}" "$OSCE_SIM_PG_DIR"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  local log="$OSCE_SIM_PG_DIR/server.log"
  if ! "${as[@]}" "$bindir/initdb" -D "$OSCE_SIM_PG_DIR/data" -U postgres --auth=trust \
       -E UTF8 --locale=C.UTF-8 >"$OSCE_SIM_PG_DIR/initdb.log" 2>&1; then
    export OSCE_SIM_POSTGRES_SKIP="initdb failed (see $OSCE_SIM_PG_DIR/initdb.log)"
    echo "postgres server: $OSCE_SIM_POSTGRES_SKIP"; return 0
  fi
  if ! "${as[@]}" "$bindir/pg_ctl" -D "$OSCE_SIM_PG_DIR/data" -l "$log" -w -t 30 \
       -o "-h 127.0.0.1 -p $port -k $OSCE_SIM_PG_DIR -c fsync=off -c full_page_writes=off" \
       start >/dev/null 2>&1; then
    export OSCE_SIM_POSTGRES_SKIP="the server did not start (see $log)"
    echo "postgres server: $OSCE_SIM_POSTGRES_SKIP"; return 0
  fi
  OSCE_SIM_PG_CTL=("${as[@]}" "$bindir/pg_ctl")
  export OSCE_SIM_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  unset OSCE_SIM_POSTGRES_SKIP
  echo "postgres server: PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port"
}

postgres_server_stop() {
  if [ -n "${OSCE_SIM_PG_DIR:-}" ] && [ -d "$OSCE_SIM_PG_DIR" ]; then
    if [ -n "${OSCE_SIM_TEST_POSTGRES_URL:-}" ]; then
      "${OSCE_SIM_PG_CTL[@]}" -D "$OSCE_SIM_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$OSCE_SIM_PG_DIR"
  fi
  unset OSCE_SIM_TEST_POSTGRES_URL OSCE_SIM_PG_DIR
}
