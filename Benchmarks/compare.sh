#!/usr/bin/env bash
# Compares two release binaries of courtyard on the figures a change must not make worse: the import of a city's
# household sheet, the authenticated one-compound read beside /healthz, and the city-wide bulletin draft. The two
# take turns on the same files and the same machine, so drift in the machine's speed falls on both alike.
# Prints figures, asserts nothing. Needs sqlite3 and wrk.
# Usage: bash Benchmarks/compare.sh BEFORE_BINARY AFTER_BINARY [seconds-per-load-run]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BEFORE_BINARY AFTER_BINARY [seconds]" >&2; exit 2; }
declare -A BIN=([before]=$1 [after]=$2) PORT=([before]=18301 [after]=18302) PID TOK
SECS=${3:-10}
OUT=$(mktemp -d /tmp/courtyard-compare.XXXXXX)
trap 'for p in "${PID[@]:-}"; do kill $p 2>/dev/null || true; done; rm -rf "$OUT"' EXIT
unset DATABASE_URL
secs() { python3 -c "import time; print(f'{time.time():.3f}')"; }
url() { echo "http://127.0.0.1:${PORT[$1]}$2"; }
start() { # which, data folder, user
  COURTYARD_ADMIN_PASSWORD=bench-admin-pass ${BIN[$1]} serve --data "$2" --port ${PORT[$1]} >"$2.log" 2>&1 &
  PID[$1]=$!
  for _ in $(seq 1 100); do curl -sf "$(url $1 /healthz)" >/dev/null && break; sleep 0.2; done
  TOK[$1]=$(curl -sf -X POST "$(url $1 /api/v1/auth/token)" -d "{\"username\":\"$3\",\"password\":\"bench-admin-pass\"}" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
}
stop() { kill ${PID[$1]} 2>/dev/null || true; wait ${PID[$1]} 2>/dev/null || true; }
rps() { wrk -t2 -c32 -d"${SECS}s" "$@" | awk '/Requests\/sec/ {print $2}'; }

${BIN[after]} demo --scale city --sheet "$OUT/city.csv" >/dev/null
echo "== import of the city's sheet (320,000 households) into an empty folder"
for round in 1 2; do for b in before after; do
  t0=$(secs); ${BIN[$b]} import registry "$OUT/city.csv" --subdistrict 全市 --data "$OUT/app-$b-$round" >/dev/null
  t1=$(secs); echo "$b, round $round: $(python3 -c "print(f'{$t1-$t0:.2f}')") s"
done; done
echo "== one compound read (authenticated) beside /healthz"
for b in before after; do start $b "$OUT/app-$b-2" admin; done
for round in 1 2 3; do for b in before after; do
  h=$(rps "$(url $b /healthz)")
  c=$(rps -H "Authorization: Bearer ${TOK[$b]}" "$(url $b /api/v1/compounds/1000)")
  echo "$b, round $round: /healthz $h req/s, compound $c req/s ($(python3 -c "print(f'{100*$c/$h:.0f}')")%)"
done; done
for b in before after; do stop $b; done
echo "== city-wide bulletin draft (2,000 projects)"
YEAR=$(date -u -d '+8 hours' +%Y); TODAY=$(date -u -d '+8 hours' +%F)
for b in before after; do
  ${BIN[$b]} demo --scale city --data "$OUT/city-$b" >/dev/null
  echo bench-admin-pass | ${BIN[$b]} users add bench --role admin --password-stdin --data "$OUT/city-$b" >/dev/null
  start $b "$OUT/city-$b" bench
done
for round in 1 2; do for b in before after; do
  rm -f "$OUT/times"
  for _ in 1 2 3 4 5; do
    curl -sf -o /dev/null -w "%{time_total}\n" -X POST "$(url $b /api/v1/bulletins)" \
      -H "Authorization: Bearer ${TOK[$b]}" -d "{\"as_of\":\"$TODAY\",\"batch_year\":$YEAR}" >> "$OUT/times"
  done
  python3 -c "
t=sorted(float(x) for x in open('$OUT/times'))
print(f'$b, round $round: median {t[len(t)//2]:.3f} s, worst {t[-1]:.3f} s over {len(t)} drafts')"
done; done
