#!/bin/bash
# PostGIS layers against a real PostgreSQL server (tests/pg/cluster.sh: a
# throwaway cluster in a temporary folder, on a Unix socket, stopped even
# when a test fails). No mock anywhere.
#
#   - the forum map with its three Shapefile layers read from PostGIS tables
#     (loaded with shp2pgsql) is byte-identical to the Shapefile render;
#   - the map's bounding box reaches the server as && ST_MakeEnvelope, and
#     the rows come through a cursor (the server's statement log);
#   - steppe info lists the geometry tables and a table's columns;
#   - connection refused, a socket with no server, a wrong password, a
#     missing table, an SQL error, a DSN that does not parse, a query slower
#     than the statement timeout and the server stopped in the middle of a
#     render: each is one line, exit 1, no output file, and no password in
#     anything steppe prints (nor in the report of a render that works).
#
# Without the postgres packages this test FAILS: tools/bootstrap.sh test
# installs them. Run by ctest with STEPPE and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/postgis.sh
source "$(dirname "$0")/lib.bash"
harness_init postgis
chmod 755 "$WORK"

. "$SRC/tests/pg/cluster.sh"
on_exit() { pg_cluster_stop; }

if ! pg_cluster_start; then
    echo "FAIL: no PostgreSQL test server (see above)"
    exit 1
fi
# Every statement in the server's log: the test reads the cursor's query.
pg_sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null && pg_sql "SELECT pg_reload_conf()" >/dev/null
if ! pg_load_shapes "$SRC/shapes"; then
    echo "FAIL: cannot load the shapes"
    exit 1
fi


# run ARGS...: steppe for at most 60 s, stdout and stderr kept.
run() {
    timeout -k 5 60 "$STEPPE" "$@" >out.txt 2>err.txt </dev/null
    rc=$?
}

# no_secret DESCRIPTION: neither the test role's password nor the wrong one
# appears in anything steppe printed or wrote.
no_secret() {
    if grep -rqF -e "$PG_PASSWORD" -e "WrongPw-93kq" out.txt err.txt ./*.json 2>/dev/null; then
        bad "$1: a password appears in steppe's output"
    else
        ok
    fi
}

# expect_error DESCRIPTION PATTERN: exit 1, one line on stderr matching the
# extended regular expression PATTERN, no output file, no password.
expect_error() {
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        bad "$1: timed out"
    elif [ "$rc" -ne 1 ]; then
        bad "$1: exit $rc, expected 1"
    elif [ "$(wc -l <err.txt)" -ne 1 ]; then
        bad "$1: $(wc -l <err.txt) lines on stderr, expected one"
    elif ! grep -qE "$2" err.txt; then
        bad "$1: stderr does not match '$2'"
    elif [ -e out.png ]; then
        bad "$1: an output was written"
    else
        ok
    fi
    no_secret "$1"
    rm -f out.png
}

# layer_style FILE SOURCE KEY VALUE [TIMEOUT]: a one-layer map of SOURCE
# with KEY (table or sql) set to VALUE.
layer_style() {
    {
        echo "map: {width: 200, height: 120, crs: EPSG:4326, extent: {lonlat: [40, 35, 90, 60]}}"
        echo "layers:"
        echo "  l:"
        echo "    source: \"$2\""
        echo "    $3: \"$4\""
        [ -n "${5:-}" ] && echo "    timeout: $5"
        echo "    style: {fill: \"#ccc\", stroke: \"#333\"}"
    } >"$1"
}

# render_fails DESCRIPTION PATTERN SOURCE KIND WHAT [TIMEOUT]: a render of
# the one layer layer_style writes fails as expect_error checks.
render_fails() {
    layer_style s.yaml "$3" "$4" "$5" "${6:-}"
    run render s.yaml -o out.png
    expect_error "$1" "$2"
}

PW_DSN="postgresql://steppe_pw:$PG_PASSWORD@/$PG_DB?host=$PG_DIR"
WRONG_DSN="postgresql://steppe_pw:WrongPw-93kq@/$PG_DB?host=$PG_DIR"
pg_sql "GRANT SELECT ON ALL TABLES IN SCHEMA public TO steppe_pw" >/dev/null

# ---- the forum map from PostGIS is the Shapefile map, byte for byte ----
mkdir -p styles
ln -s "$SRC/shapes" shapes
cp "$SRC/styles/forum.yaml" styles/forum.yaml
run render "$SRC/styles/forum.yaml" -q -o shp.png
[ "$rc" -eq 0 ] || bad "forum from Shapefiles: exit $rc"
python3 - "$PG_DSN" <<'EOF'
import re, sys
dsn = sys.argv[1]
p = "styles/forum.yaml"
s = open(p).read()
for t in ("countries", "ru_regions", "kz_regions"):
    s, n = re.subn(r"source: \.\./shapes/%s\.shp\n" % t, 'source: "%s"\n    table: %s\n' % (dsn, t), s)
    assert n >= 1, t
open(p, "w").write(s)
EOF
run render styles/forum.yaml -q -o pg.png --report report.json
if [ "$rc" -ne 0 ]; then
    bad "forum from PostGIS: exit $rc"
elif ! cmp -s shp.png pg.png; then
    bad "forum from PostGIS differs from the Shapefile render ($("$STEPPE" diff shp.png pg.png 2>&1 | head -1))"
else
    ok
fi
if grep -q "ST_MakeEnvelope" "$PG_DIR/server.log" && grep -q "DECLARE steppe_rows" "$PG_DIR/server.log" &&
    grep -q "FETCH 1000 FROM steppe_rows" "$PG_DIR/server.log"; then
    ok
else
    bad "the server's log shows no bounding box (&& ST_MakeEnvelope) or no cursor"
fi

# The same map from geography columns (PostGIS's other spatial type, as
# users store lon/lat data): read as geometry, the box tested on the cast,
# the same picture byte for byte; steppe info names the type.
for tb in countries ru_regions kz_regions; do
    pg_sql "CREATE TABLE ${tb}_geog AS SELECT * FROM $tb;
            ALTER TABLE ${tb}_geog ALTER COLUMN geom TYPE geography(MultiPolygon, 4326);
            ALTER TABLE ${tb}_geog ADD PRIMARY KEY (gid);
            CREATE INDEX ON ${tb}_geog USING gist (geom)" >/dev/null
done
sed -E 's/^(    table: (countries|ru_regions|kz_regions))$/\1_geog/' styles/forum.yaml >styles/forum-geog.yaml
run render styles/forum-geog.yaml -q -o geog.png
if [ "$rc" -ne 0 ]; then
    bad "forum from geography columns: exit $rc: $(head -1 err.txt)"
elif ! grep -q "countries_geog" styles/forum-geog.yaml; then
    bad "the geography style does not name the geography tables"
elif ! cmp -s shp.png geog.png; then
    bad "forum from geography columns differs from the Shapefile render ($("$STEPPE" diff shp.png geog.png 2>&1 | head -1))"
elif ! grep -qF '"geom"::geometry && ST_MakeEnvelope' "$PG_DIR/server.log"; then
    bad "the server's log shows no box test on the geography column cast to geometry"
else
    ok "forum from geography columns: byte-identical, box tested on the server"
fi
run info "$PG_DSN" --table kz_regions_geog
if [ "$rc" -eq 0 ] && grep -q "^geometry column: geom (geography)" out.txt && grep -q "^rows: 17" out.txt; then
    ok
else
    bad "info of a geography table: exit $rc: $(tr '\n' '|' <out.txt)"
fi
run info "$PG_DSN"
if grep -qE "^  kz_regions_geog  column geom  MultiPolygon geography  SRID 4326" out.txt; then
    ok
else
    bad "info does not list the geography table: $(tr '\n' '|' <out.txt)"
fi

# The same map through the password role: it works, and neither the report
# nor anything printed holds the password.
sed "s#$PG_DSN#$PW_DSN#" styles/forum.yaml >styles/forum-pw.yaml
cp styles/forum-pw.yaml styles/forum.yaml
run render styles/forum.yaml -q -o pw.png --report pw.json
if [ "$rc" -ne 0 ]; then
    bad "forum with a password: exit $rc"
elif ! cmp -s shp.png pw.png; then
    bad "forum with a password differs from the Shapefile render"
else
    ok
fi
no_secret "forum with a password"

# libpq is loaded when a PostGIS layer needs it, not linked (dynlib.h).
if ldd "$STEPPE" 2>/dev/null | grep -q "libpq"; then
    bad "steppe links libpq: $(ldd "$STEPPE" | grep libpq)"
else
    ok
fi

# Memory stays bounded by one batch of rows: a query of 100,000 rows of
# 2,000-byte text (200 MB on the wire), all inside the map, of which one
# is a point and the others lines, skipped with a warning in a point layer.
# Read whole (no cursor), or with each row's text copied before it is
# dropped, the run would take over 200 MB; through the cursor it stays
# near what a small render takes (about 60 MB).
pg_sql "CREATE TABLE big AS SELECT i AS id, repeat(md5(i::text), 62) AS pad,
        ST_SetSRID(ST_MakePoint(40 + (i % 500) * 0.1, 35 + (i / 500) * 0.1), 4326)::geometry(Point, 4326) AS geom
        FROM generate_series(1, 100000) AS i" >/dev/null
layer_style big.yaml "$PG_DSN" sql "SELECT id, pad, CASE WHEN id = 1 THEN geom
    ELSE ST_MakeLine(geom, ST_Translate(geom, 0.01, 0)) END AS geom FROM big ORDER BY id"
sed -i 's/^    style:/    label: {text: "{pad}"}\n    style:/' big.yaml
/usr/bin/time -f "%M" -o rss.txt timeout -k 5 120 "$STEPPE" render big.yaml -q -o big.png >out.txt 2>err.txt
rc=$?
rss=$(tail -1 rss.txt)
if [ "$rc" -ne 0 ]; then
    bad "a 200 MB query read through the cursor: exit $rc"
elif [ -n "${ASAN_OPTIONS:-}" ] || nm -D "$STEPPE" 2>/dev/null | grep -q __asan_init; then
    echo "postgis: peak memory not checked under AddressSanitizer ($rss KiB)"
    ok
elif [ "$rss" -gt 120000 ]; then
    bad "a 200 MB query read through the cursor took $rss KiB (over 120 MB)"
else
    ok
fi
rm -f big.png

# ---- steppe info ----
run info "$PG_DSN"
if [ "$rc" -eq 0 ] && grep -q "countries  column geom  MULTIPOLYGON  SRID 4326" out.txt &&
    grep -q "ru_regions" out.txt && grep -q "kz_regions" out.txt; then
    ok
else
    bad "info lists the geometry tables: exit $rc: $(head -5 out.txt)"
fi
run info "$PW_DSN" --table countries
if [ "$rc" -eq 0 ] && grep -q "^rows: 82" out.txt && grep -qE "^  name_ru +text" out.txt &&
    grep -q "^CRS: EPSG:4326" out.txt && ! grep -q "geom " out.txt; then
    ok
else
    bad "info of a table: exit $rc: $(tr '\n' '|' <out.txt)"
fi
no_secret "info with a password"
# The password from libpq's environment (PGPASSWORD) works and is not shown.
PGPASSWORD=$PG_PASSWORD run info "postgresql://steppe_pw@/$PG_DB?host=$PG_DIR" --table kz_regions
if [ "$rc" -eq 0 ] && grep -q "^rows: 17" out.txt; then ok; else bad "info with PGPASSWORD: exit $rc"; fi
no_secret "info with PGPASSWORD"
PGPASSWORD=WrongPw-93kq run info "postgresql://steppe_pw@/$PG_DB?host=$PG_DIR"
expect_error "a wrong PGPASSWORD" 'cannot connect: .*password authentication failed for user "steppe_pw"$' 

# ---- errors: one line each, exit 1, nothing written, no password ----
render_fails "connection refused" '^steppe: postgresql://steppe:\*\*\*@127\.0\.0\.1:1/steppe\?connect_timeout=5: cannot connect: .*Connection refused; Is the server running' \
    "postgresql://steppe:$PG_PASSWORD@127.0.0.1:1/steppe?connect_timeout=5" table countries

render_fails "no server on the socket" 'cannot connect: .*No such file or directory' \
    "postgresql://steppe@/steppe?host=$WORK/nowhere" table countries

render_fails "wrong password" '^steppe: postgresql://steppe_pw:\*\*\*@/steppe\?host=.*: cannot connect: .*password authentication failed for user "steppe_pw"$' \
    "$WRONG_DSN" table countries

render_fails "wrong password (key=value DSN)" "^steppe: PG:host=.* password=\*\*\*: cannot connect: .*password authentication failed" \
    "PG:host=$PG_DIR dbname=steppe user=steppe_pw password='WrongPw-93kq'" table countries

render_fails "missing table" '^steppe: postgresql://steppe_pw:\*\*\*@/steppe\?host=.*: table "no_such_table": no such table' \
    "$PW_DSN" table no_such_table

render_fails "SQL error" ': query: ERROR: syntax error at or near "SELEC" \(sql: line 1, column 1\)$' \
    "$PW_DSN" sql "SELEC name, geom FROM countries"

render_fails "SQL error on line 2" ': query: ERROR: relation "nosuch" does not exist \(sql: line 2, column 13\)$' \
    "$PW_DSN" sql 'SELECT name,\n  geom FROM nosuch'

render_fails "a query without geometry" ': query: no geometry column$' \
    "$PW_DSN" sql "SELECT name FROM countries"

render_fails "a DSN that does not parse" 'steppe_pw:\*\*\*@.*: the connection string does not parse: invalid URI query parameter' \
    "postgresql://steppe_pw:$PG_PASSWORD@/steppe?host=$PG_DIR&bogus=1" table countries

render_fails "a DSN that does not parse (host)" 'the connection string does not parse' \
    "postgresql://steppe_pw:$PG_PASSWORD@[::1/steppe" table countries

render_fails "a query slower than the timeout" ': query: (row 1: )?the query ran longer than the statement timeout of 1 s' \
    "$PW_DSN" sql "SELECT c.* FROM countries c, pg_sleep(5)" 1

# Last: the server stopped (immediate shutdown) while the render's query
# runs: once the server shows the cursor's FETCH at work (no fixed delay).
layer_style s.yaml "$PW_DSN" sql "SELECT c.* FROM countries c, pg_sleep(50)" 60
timeout -k 5 90 "$STEPPE" render s.yaml -o out.png >out.txt 2>err.txt </dev/null &
pid=$!
running=0
for _ in $(seq 300); do
    if [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'
                    AND query LIKE 'FETCH % FROM steppe_rows'" -At 2>/dev/null)" = 1 ]; then
        running=1
        break
    fi
    sleep 0.1
done
[ "$running" -eq 1 ] || bad "the render's query was never seen running"
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
wait $pid
rc=$?
expect_error "the server stopped in the middle of a render" ': query: (row 1: )?the connection to the server was lost'

harness_finish
