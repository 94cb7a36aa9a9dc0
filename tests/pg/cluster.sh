#!/bin/bash
# A throwaway PostgreSQL + PostGIS server for the tests, sourced by them:
#
#   . tests/pg/cluster.sh
#   pg_cluster_start || exit 1     # sets PG_DIR, PG_DSN, PG_HOST, PG_DB, ...
#   trap pg_cluster_stop EXIT      # stops it even when a test fails
#   pg_load_shapes "$SRC/shapes"   # countries, ru_regions, kz_regions
#
# The cluster lives in a temporary folder (initdb there), listens only on a
# Unix socket in that folder (listen_addresses = ''), so it needs no port and
# no system service and cannot meet another test's server. The server runs
# as an unprivileged user: as root (CI), the `postgres` system user that
# Debian's postgresql-common creates (else `nobody`), through setpriv; as
# anyone else, as themselves. Two roles: `steppe`, the superuser the tests
# connect as without a password (trust), and `steppe_pw`, whose password
# PG_PASSWORD is checked with SCRAM-SHA-256 (the wrong-password test).
#
# Needs Debian's postgresql-15, postgresql-15-postgis-3 and postgis
# (shp2pgsql); tools/bootstrap.sh test installs them. pg_cluster_start
# prints one line and returns 1 when any is missing: the caller fails.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PASSWORD='s3cret-Pw-7f2a'

# pg_as CMD...: runs CMD as the server's user.
pg_as() {
    if [ -n "${PG_RUNAS:-}" ]; then
        setpriv --reuid="$PG_RUNAS" --regid="$PG_RUNAS_GID" --clear-groups -- "$@"
    else
        "$@"
    fi
}

pg_cluster_start() {
    local missing=""
    [ -x "$PG_BIN/initdb" ] || missing="$missing postgresql-15"
    [ -f /usr/share/postgresql/15/extension/postgis.control ] || missing="$missing postgresql-15-postgis-3"
    command -v shp2pgsql >/dev/null 2>&1 || missing="$missing postgis"
    command -v psql >/dev/null 2>&1 || missing="$missing postgresql-client-15"
    if [ -n "$missing" ]; then
        echo "cluster.sh: missing Debian packages:$missing (tools/bootstrap.sh test installs them)"
        return 1
    fi
    PG_RUNAS=""
    if [ "$(id -u)" -eq 0 ]; then
        if getent passwd postgres >/dev/null; then PG_RUNAS=postgres; else PG_RUNAS=nobody; fi
        PG_RUNAS_GID=$(id -g "$PG_RUNAS")
    fi
    PG_DIR=$(mktemp -d /tmp/steppe-pg-XXXXXX) || return 1
    [ -n "$PG_RUNAS" ] && chown "$PG_RUNAS" "$PG_DIR"
    chmod 700 "$PG_DIR"
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U steppe --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/initdb.log" 2>&1; then
        echo "cluster.sh: initdb failed:"; tail -5 "$PG_DIR/initdb.log"
        return 1
    fi
    # Only the socket; no TCP at all. The password role is checked first.
    cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
unix_socket_permissions = 0777
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 40
logging_collector = off
password_encryption = 'scram-sha-256'
CONF
    cat >"$PG_DIR/data/pg_hba.conf" <<HBA
local all steppe_pw scram-sha-256
local all all trust
HBA
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null 2>&1; then
        echo "cluster.sh: the server did not start:"; tail -5 "$PG_DIR/server.log"
        return 1
    fi
    PG_HOST=$PG_DIR
    PG_DB=steppe
    PG_DSN="postgresql://steppe@/$PG_DB?host=$PG_DIR"
    PG_PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U steppe)
    if ! "${PG_PSQL[@]}" -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null ||
        ! "${PG_PSQL[@]}" -d "$PG_DB" -c "CREATE EXTENSION postgis" >/dev/null ||
        ! "${PG_PSQL[@]}" -d "$PG_DB" -c "CREATE ROLE steppe_pw LOGIN PASSWORD '$PG_PASSWORD'" >/dev/null; then
        echo "cluster.sh: cannot set up the database"
        return 1
    fi
    return 0
}

# pg_sql SQL [PSQL OPTIONS...]: runs SQL in the test database.
pg_sql() {
    "${PG_PSQL[@]}" -d "$PG_DB" "${@:2}" -c "$1"
}

# pg_load_shapes DIR: loads DIR/{countries,ru_regions,kz_regions}.shp as
# tables of the same names (shp2pgsql: SRID 4326, UTF-8 attributes, a GiST
# index, gid serial primary key numbering the records from 1).
pg_load_shapes() {
    local t
    for t in countries ru_regions kz_regions; do
        if ! shp2pgsql -s 4326 -W UTF-8 -I -D "$1/$t.shp" "$t" 2>"$PG_DIR/shp2pgsql.log" |
            "${PG_PSQL[@]}" -d "$PG_DB" >/dev/null 2>>"$PG_DIR/shp2pgsql.log"; then
            echo "cluster.sh: loading $t failed:"; tail -5 "$PG_DIR/shp2pgsql.log"
            return 1
        fi
    done
}

# pg_cluster_stop: stops the server at once and removes its folder.
pg_cluster_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        if [ -f "$PG_DIR/data/postmaster.pid" ]; then
            pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
        fi
        rm -rf "$PG_DIR"
    fi
}
