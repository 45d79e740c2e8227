#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the storage tests and print its URL.
#
#   eval "$(scripts/start_postgres.sh)"     # exports DATABASE_TEST_POSTGRES_URL
#   scripts/start_postgres.sh stop           # stops it and deletes its data
#
# Idempotent: when the server of PGTEST_DIR is already running, only the export line is printed
# again.  Installs Debian's postgresql package (apt-get) when no initdb/postgres binaries are
# found.  The server listens on 127.0.0.1 only, on a free port, with its data under PGTEST_DIR
# (default /tmp/nba-predictions-pg) and fsync off (test data only).  initdb/postgres refuse to
# run as root, so as root they run as the `postgres` user.  The test role owns the test database
# and may CREATE DATABASE (each test gets a fresh database).
#
# stdout carries only the export line; progress goes to stderr.  The same line is written to
# $PGTEST_DIR/env (source it from another shell).  On failure stdout carries `false` instead, so
# `eval "$(scripts/start_postgres.sh)" && pytest` stops there (eval of nothing would succeed).
set -euo pipefail
trap 'status=$?; [ "$status" = 0 ] || echo "false"; exit "$status"' EXIT

PGTEST_DIR="${PGTEST_DIR:-/tmp/nba-predictions-pg}"
DATA="$PGTEST_DIR/data"
SOCK="$PGTEST_DIR/sock"
ENV_FILE="$PGTEST_DIR/env"
LOG="$PGTEST_DIR/server.log"
ROLE=nba_test
DB=nba_test

say() { echo "start_postgres: $*" >&2; }

find_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && { echo "$dir"; return 0; }
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

as_pg() {  # run a server binary as the postgres user when we are root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {  # a random port nothing listens on (bash's /dev/tcp; no python needed)
    local port
    while :; do
        port=$(( 20000 + RANDOM % 40000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
    done
}

BINDIR="$(find_bindir || true)"

if [ "${1:-start}" = stop ]; then
    if [ -n "$BINDIR" ] && [ -f "$DATA/postmaster.pid" ]; then
        as_pg "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    fi
    rm -rf "$PGTEST_DIR"
    say "stopped; removed $PGTEST_DIR"
    exit 0
fi

if [ -z "$BINDIR" ]; then
    [ "$(id -u)" = 0 ] || { say "PostgreSQL is not installed and we are not root: apt-get install postgresql"; exit 1; }
    say "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)" || { say "postgresql installed but no initdb found under /usr/lib/postgresql"; exit 1; }
fi

# Already running?  Print the URL again.
if [ -f "$ENV_FILE" ] && [ -f "$DATA/postmaster.pid" ] && as_pg "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    say "already running ($DATA)"
    cat "$ENV_FILE"
    exit 0
fi

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    say "creating the postgres system user"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

rm -rf "$PGTEST_DIR"
mkdir -p "$PGTEST_DIR" "$SOCK"
[ "$(id -u)" = 0 ] && chown -R postgres: "$PGTEST_DIR"
chmod 700 "$PGTEST_DIR"

PASSWORD="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"

say "initdb into $DATA ($BINDIR)"
as_pg "$BINDIR/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$PGTEST_DIR/initdb.log" 2>&1 \
    || { cat "$PGTEST_DIR/initdb.log" >&2; exit 1; }

# A port that was free a moment ago can be taken before the server binds it: try a few.
for attempt in 1 2 3 4 5; do
    PORT="$(free_port)"
    say "starting on 127.0.0.1:$PORT"
    if as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$SOCK -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2; then
        break
    fi
    [ "$attempt" = 5 ] && { cat "$LOG" >&2; exit 1; }
done

psql_admin() { as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres "$@"; }
# CREATEROLE: tests/web/test_votes.py makes a role that may write fan_votes only (NBA_VOTE_DATABASE_URL)
psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB CREATEROLE PASSWORD '$PASSWORD'" >&2
psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2

URL="postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
umask 077
echo "export DATABASE_TEST_POSTGRES_URL='$URL'" >"$ENV_FILE"
say "ready; URL in $ENV_FILE"
cat "$ENV_FILE"
