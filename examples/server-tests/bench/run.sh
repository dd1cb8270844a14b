#!/usr/bin/env bash
# Throughput of the generated router against a hand-written axum router doing the same work:
# GET /v1/notes/{id} and POST /v1/notes, driven by wrk on loopback, alternating between the two
# servers for ROUNDS rounds of DURATION each. Prints per-round figures, then the medians of
# requests/s and p99 latency and the ratio generated/hand-written.
#
#   bash examples/server-tests/bench/run.sh            # ROUNDS=5 DURATION=5s CONNECTIONS=32
#
# Needs wrk (Debian: apt-get install wrk; installed here when missing and apt is available).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
TOKEN=bench-token

if ! command -v wrk >/dev/null; then
  if command -v apt-get >/dev/null; then apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; fi
  command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
fi

cargo build --release --locked --quiet -p server-tests --bin bench_server
out=$(mktemp)
target/release/bench_server >"$out" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
read -r generated handwritten < <(sed -e 's/generated=//' -e 's/handwritten=//' "$out")

results=$(mktemp)
run() { # name url [lua]
  local name=$1 url=$2 script=${3:-}
  local args=(-t1 "-c$CONNECTIONS" "-d$DURATION" --latency)
  [ -n "$script" ] && args+=(-s "$script")
  local report rps p99
  report=$(wrk "${args[@]}" "$url")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$report")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
  printf '%-22s %12s req/s   p99 %s\n' "$name" "$rps" "$p99"
  echo "$name $rps $p99" >>"$results"
}

# Both answer correctly before anything is measured.
for base in "$generated" "$handwritten"; do
  curl -fsS "http://$base/v1/notes/7?api_token=$TOKEN" | grep -q '"id":7'
  curl -fsS -H 'content-type: application/json' -d '{"content":"x"}' "http://$base/v1/notes?api_token=$TOKEN" | grep -q '"content":"x"'
done
# Warm-up.
wrk -t1 -c"$CONNECTIONS" -d2s "http://$generated/v1/notes/7?api_token=$TOKEN" >/dev/null
wrk -t1 -c"$CONNECTIONS" -d2s "http://$handwritten/v1/notes/7?api_token=$TOKEN" >/dev/null

for round in $(seq "$ROUNDS"); do
  echo "round $round"
  run get-generated "http://$generated/v1/notes/7?api_token=$TOKEN"
  run get-handwritten "http://$handwritten/v1/notes/7?api_token=$TOKEN"
  run post-generated "http://$generated/v1/notes?api_token=$TOKEN" examples/server-tests/bench/post_note.lua
  run post-handwritten "http://$handwritten/v1/notes?api_token=$TOKEN" examples/server-tests/bench/post_note.lua
done

python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p99 = line.split()
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    for suffix in ("us", "ms", "s"):
        if p99.endswith(suffix):
            p99_ms = float(p99[: -len(suffix)]) * unit[suffix]
            break
    rows.setdefault(name, []).append((float(rps), p99_ms))
print("\nmedians over", len(next(iter(rows.values()))), "rounds")
for op in ("get", "post"):
    g = rows[f"{op}-generated"]; h = rows[f"{op}-handwritten"]
    g_rps = statistics.median(r for r, _ in g); h_rps = statistics.median(r for r, _ in h)
    g_p99 = statistics.median(p for _, p in g); h_p99 = statistics.median(p for _, p in h)
    print(f"{op.upper():5} generated {g_rps:10.0f} req/s p99 {g_p99:6.2f} ms | hand-written {h_rps:10.0f} req/s p99 {h_p99:6.2f} ms | throughput ratio {g_rps / h_rps:.3f}")
PY
