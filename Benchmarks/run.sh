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

echo "== import: 320,000 households"
$BIN demo --scale city --sheet "$OUT/city.csv" >/dev/null
ROWS=$(($(wc -l < "$OUT/city.csv") - 1))
SIZE=$(du -h "$OUT/city.csv" | cut -f1)
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
YEAR=$(date -u -d '+8 hours' +%Y); TODAY=$(date -u -d '+8 hours' +%F)
for i in 1 2 3 4 5; do
  curl -sf -o /dev/null -w "%{time_total}\n" -X POST "http://127.0.0.1:$PORT/api/v1/bulletins" -H "Authorization: Bearer $TOKEN" \
    -d "{\"as_of\":\"$TODAY\",\"batch_year\":$YEAR}" >> "$OUT/draft.times"
done
python3 -c "
t=sorted(float(x) for x in open('$OUT/draft.times'))
print(f'draft a city-wide bulletin (2,000 projects): median {t[len(t)//2]:.3f} s, worst {t[-1]:.3f} s over {len(t)} drafts')"
echo "server resident memory after drafting: $(( $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) / 1024 )) MB"
