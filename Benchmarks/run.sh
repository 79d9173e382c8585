#!/usr/bin/env bash
# Prints figures, asserts nothing. Measures, in one run on this machine:
#  1. importing a city's household sheet (2,000 compounds, 320,000 households) beside `sqlite3 .import`
#     of the same file into one plain table;
#  2. requests/s and p99 latency of an authenticated single-compound read beside /healthz on the same server;
#  3. reports created by 8 concurrent writers, beside /healthz;
#  4. drafting a city-wide bulletin over the city demo (2,000 projects spread over the stages, with logs), and the server's memory.
# Needs: sqlite3 and wrk (Debian packages). Usage: bash Benchmarks/run.sh [seconds-per-load-run]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
OUT=$(mktemp -d /tmp/courtyard-bench.XXXXXX)
PORT=18181
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$OUT"' EXIT
unset DATABASE_URL

# COURTYARD_BIN names a release binary built elsewhere (e.g. with --scratch-path); otherwise build one here.
# The ceiling (bare Hummingbird and SQLite) is the binary beside it.
if [ -n "${COURTYARD_BIN:-}" ]; then BIN=$COURTYARD_BIN; else
  swift build -c release --product courtyard >/dev/null
  swift build -c release --product courtyard-ceiling >/dev/null
  BIN=.build/release/courtyard
fi
CEILING=$(dirname "$BIN")/courtyard-ceiling
secs() { python3 -c "import time,sys; print(f'{time.time():.3f}')"; }

$BIN demo --scale city --sheet "$OUT/city.csv" >/dev/null
ROWS=$(($(wc -l < "$OUT/city.csv") - 1))
SIZE=$(du -h "$OUT/city.csv" | cut -f1)
SERVER=
YEAR=$(date -u -d '+8 hours' +%Y); TODAY=$(date -u -d '+8 hours' +%F)
# BENCH_ONLY=postgres measures the province alone.
if [ "${BENCH_ONLY:-}" != postgres ]; then
echo "== import: 320,000 households"
t0=$(secs); sqlite3 "$OUT/raw.sqlite" ".import --csv $OUT/city.csv households"; t1=$(secs)
RAW=$(python3 -c "print(f'{$t1-$t0:.2f}')")
t0=$(secs); $BIN import registry "$OUT/city.csv" --subdistrict 全市 --data "$OUT/app" >/dev/null; t1=$(secs)
APP=$(python3 -c "print(f'{$t1-$t0:.2f}')")
t0=$(secs); $BIN import registry "$OUT/city.csv" --data "$OUT/app" >/dev/null; t1=$(secs)
AGAIN=$(python3 -c "print(f'{$t1-$t0:.2f}')")
echo "rows: $ROWS ($SIZE CSV)"
echo "sqlite3 .import into one table:        ${RAW} s"
echo "courtyard import registry (new data):  ${APP} s  ($(python3 -c "print(f'{$APP/$RAW:.1f}')")x sqlite3)"
echo "courtyard import registry (same file): ${AGAIN} s  (nothing to change)"

echo "== reads: single compound (authenticated) vs /healthz"
COURTYARD_ADMIN_PASSWORD=bench-admin-pass $BIN serve --data "$OUT/app" --port $PORT >"$OUT/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -d '{"username":"admin","password":"bench-admin-pass"}' \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
run() { # name, url, [header]
  local res
  if [ -n "${3:-}" ]; then res=$(wrk -t2 -c32 -d"${SECS}s" --latency -H "$3" "$2"); else res=$(wrk -t2 -c32 -d"${SECS}s" --latency "$2"); fi
  local rps p99
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  echo "$1: ${rps} req/s, p99 ${p99}"
  echo "$rps" > "$OUT/$1.rps"
}
run healthz "http://127.0.0.1:$PORT/healthz"
run compound "http://127.0.0.1:$PORT/api/v1/compounds/1000" "Authorization: Bearer $TOKEN"
python3 -c "print(f'compound read at {100*float(open(\"$OUT/compound.rps\").read())/float(open(\"$OUT/healthz.rps\").read()):.0f}% of /healthz')"
if [ -x "$CEILING" ]; then
  $CEILING $((PORT + 1)) "$OUT/ceiling.sqlite" >"$OUT/ceiling.log" 2>&1 &
  CEIL=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$((PORT + 1))/compounds/1000" >/dev/null && break; sleep 0.2; done
  run ceiling "http://127.0.0.1:$((PORT + 1))/compounds/1000"
  kill $CEIL 2>/dev/null || true; wait $CEIL 2>/dev/null || true
  python3 -c "print(f'compound read at {100*float(open(\"$OUT/compound.rps\").read())/float(open(\"$OUT/ceiling.rps\").read()):.0f}% of the ceiling (bare Hummingbird + SQLite, one row as JSON)')"
fi
echo "server resident memory: $(( $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) / 1024 )) MB"

echo "== writes: report creation by 8 concurrent writers"
cat > "$OUT/report.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"compound_id":1000,"category":"water_drainage","description":"水表井盖破损，雨天积水"}'
LUA
res=$(wrk -t2 -c8 -d"${SECS}s" --latency -s "$OUT/report.lua" -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$PORT/api/v1/reports")
rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
p99=$(echo "$res" | awk '$1=="99%" {print $2}')
bad=$(echo "$res" | awk '/Non-2xx/ {print $5}')
echo "report creation: ${rps} req/s, p99 ${p99}, refused or failed: ${bad:-0}"
python3 -c "print(f'report creation at {100*$rps/float(open(\"$OUT/healthz.rps\").read()):.0f}% of /healthz')"

kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true

echo "== bulletin: city demo (2,000 compounds, 320,000 households, a project each)"
t0=$(secs); $BIN demo --scale city --data "$OUT/city" >/dev/null; t1=$(secs)
echo "courtyard demo --scale city: $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
echo bench-admin-pass | $BIN users add bench --role admin --password-stdin --data "$OUT/city" >/dev/null
$BIN serve --data "$OUT/city" --port $PORT >"$OUT/serve-city.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -d '{"username":"bench","password":"bench-admin-pass"}' \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
for i in 1 2 3 4 5; do
  curl -sf -o /dev/null -w "%{time_total}\n" -X POST "http://127.0.0.1:$PORT/api/v1/bulletins" -H "Authorization: Bearer $TOKEN" \
    -d "{\"as_of\":\"$TODAY\",\"batch_year\":$YEAR}" >> "$OUT/draft.times"
done
python3 -c "
t=sorted(float(x) for x in open('$OUT/draft.times'))
print(f'draft a city-wide bulletin (2,000 projects): median {t[len(t)//2]:.3f} s, worst {t[-1]:.3f} s over {len(t)} drafts')"
echo "server resident memory after drafting: $(( $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) / 1024 )) MB"
kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true
fi

# PostgreSQL: a province. Needs Debian's postgresql (run as root) or BENCH_DATABASE_URL naming an empty server's
# admin URL; skipped, and said so, without either.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "${BENCH_DATABASE_URL:-}" ]; then ADMIN_URL=$BENCH_DATABASE_URL
elif [ -n "$PGBIN" ] && [ "$(id -u)" = 0 ]; then
  PGPORT=55499; PGDIR=$(mktemp -d /tmp/courtyard-bench-pg.XXXXXX); chown postgres "$PGDIR"
  su postgres -c "$PGBIN/initdb -D $PGDIR/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
  su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB' -l $PGDIR/log -w start" >/dev/null
  trap 'kill $SERVER 2>/dev/null || true; su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast stop" >/dev/null 2>&1 || true; rm -rf "$OUT" "$PGDIR"' EXIT
  ADMIN_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
else
  echo "== PostgreSQL: skipped (install postgresql and run as root, or set BENCH_DATABASE_URL)"; exit 0
fi
dburl() { echo "${ADMIN_URL%/*}/$1"; }
export PGOPTIONS='-c client_min_messages=warning'
for d in cy_province cy_import cy_raw; do
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $d" -c "CREATE DATABASE $d" >/dev/null
done

echo "== PostgreSQL: a province (500 sub-districts, 20,000 compounds, 3.2 million households, COPY)"
t0=$(secs); DATABASE_URL=$(dburl cy_province) $BIN demo --scale province >"$OUT/province.log"; t1=$(secs)
echo "courtyard demo --scale province: $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
psql "$(dburl cy_province)" -tAc "SELECT 'rows: ' || (SELECT COUNT(*) FROM compounds) || ' compounds, '
  || (SELECT COUNT(*) FROM households) || ' households, ' || (SELECT COUNT(*) FROM projects) || ' projects, '
  || (SELECT COUNT(*) FROM tasks) || ' tasks, ' || (SELECT COUNT(*) FROM site_logs) || ' site logs, '
  || (SELECT COUNT(*) FROM reports) || ' reports; ' || pg_size_pretty(pg_database_size(current_database()))" 2>/dev/null || true
echo bench-admin-pass | DATABASE_URL=$(dburl cy_province) $BIN users add bench --role admin --password-stdin >/dev/null
DATABASE_URL=$(dburl cy_province) $BIN serve --port $PORT >"$OUT/serve-province.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -d '{"username":"bench","password":"bench-admin-pass"}' \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
drafts() { # label, body, aim
  rm -f "$OUT/pdraft.times"
  for i in 1 2 3 4 5; do
    curl -sf -o /dev/null -w "%{time_total}\n" -X POST "http://127.0.0.1:$PORT/api/v1/bulletins" \
      -H "Authorization: Bearer $TOKEN" -d "$2" >> "$OUT/pdraft.times"
  done
  python3 -c "
t=sorted(float(x) for x in open('$OUT/pdraft.times'))
print(f'$1: median {t[len(t)//2]:.3f} s, worst {t[-1]:.3f} s over {len(t)} drafts (aim: $3)')"
}
drafts "draft a province-wide bulletin (20,000 projects)" "{\"as_of\":\"$TODAY\",\"batch_year\":$YEAR}" "1 s"
drafts "draft a sub-district bulletin (40 projects)" \
  "{\"as_of\":\"$TODAY\",\"batch_year\":$YEAR,\"subdistrict_id\":250}" "0.050 s"
run pg-healthz "http://127.0.0.1:$PORT/healthz"
run pg-compound "http://127.0.0.1:$PORT/api/v1/compounds/12345" "Authorization: Bearer $TOKEN"
python3 -c "print(f'compound read on PostgreSQL at {100*float(open(\"$OUT/pg-compound.rps\").read())/float(open(\"$OUT/pg-healthz.rps\").read()):.0f}% of /healthz')"
echo "server resident memory: $(( $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) / 1024 )) MB"
kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true

echo "== PostgreSQL: import of the city's sheet ($ROWS households) beside psql \\copy"
psql "$(dburl cy_raw)" -qc "CREATE TABLE households (community TEXT, compound TEXT, address TEXT, built_year TEXT,
  building TEXT, entrance TEXT, room TEXT, floor TEXT, area TEXT, owner_name TEXT, owner_phone TEXT, lives_elsewhere TEXT)"
t0=$(secs); psql "$(dburl cy_raw)" -qc "\\copy households FROM '$OUT/city.csv' WITH (FORMAT csv, HEADER true)"; t1=$(secs)
RAW=$(python3 -c "print(f'{$t1-$t0:.2f}')")
t0=$(secs); DATABASE_URL=$(dburl cy_import) $BIN import registry "$OUT/city.csv" --subdistrict 全市 >/dev/null; t1=$(secs)
APP=$(python3 -c "print(f'{$t1-$t0:.2f}')")
echo "psql \\copy into one table:              ${RAW} s"
echo "courtyard import registry (PostgreSQL):  ${APP} s  ($(python3 -c "print(f'{$APP/$RAW:.1f}')")x psql \\copy; aim 3x)"
# The same rows as the import stored them, by psql \copy into an empty copy of the registry's tables (their keys
# and indexes; key checks off, as the import has them for this role): what PostgreSQL itself takes to store them.
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS cy_same" -c "CREATE DATABASE cy_same" >/dev/null
pg_dump --schema-only "$(dburl cy_import)" | psql -q "$(dburl cy_same)" >/dev/null
REGISTRY="subdistricts communities compounds buildings entrances households residents household_residents"
for t in $REGISTRY; do psql "$(dburl cy_import)" -qc "\\copy $t TO '$OUT/same-$t.tsv'"; done
{ echo "BEGIN;"; echo "SET LOCAL session_replication_role = replica;"
  for t in $REGISTRY; do echo "\\copy $t FROM '$OUT/same-$t.tsv'"; done; echo "COMMIT;"; } > "$OUT/same.sql"
t0=$(secs); psql -q "$(dburl cy_same)" -f "$OUT/same.sql"; t1=$(secs)
SAME=$(python3 -c "print(f'{$t1-$t0:.2f}')")
echo "psql \\copy of the rows the import stored, into the registry's tables: ${SAME} s" \
  "(the import: $(python3 -c "print(f'{$APP/$SAME:.1f}')")x)"
