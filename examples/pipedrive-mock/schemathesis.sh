#!/usr/bin/env bash
# Conformance of the mock with spec/pipedrive-v1.yaml as schemathesis judges it: every
# operation, every check (`--checks all`), positive and negative generation, credentials
# supplied (settings and the reasons for what they relax: schemathesis.toml beside this file).
# Installs schemathesis from PyPI into target/schemathesis-venv, builds and starts the mock on a
# free loopback port, and exits non-zero on any failure.
#
#   bash examples/pipedrive-mock/schemathesis.sh [SPEC]
#
# SCHEMATHESIS_EXAMPLES (default 25) bounds the examples per operation; SCHEMATHESIS_SEED
# (default fixed) makes a run repeatable.
set -euo pipefail
cd "$(dirname "$0")/../.."

spec="${1:-spec/pipedrive-v1.yaml}"
examples="${SCHEMATHESIS_EXAMPLES:-25}"
seed="${SCHEMATHESIS_SEED:-20261129}"
version="4.32.5"
venv="target/schemathesis-venv"
config="examples/pipedrive-mock/schemathesis.toml"
reports="target/schemathesis-report"

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

cargo build --quiet --locked -p pipedrive-mock
log="$(mktemp)"
"${CARGO_TARGET_DIR:-target}/debug/pipedrive-mock" --listen 127.0.0.1:0 --seed-data >"$log" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null || true; wait "$mock" 2>/dev/null || true; rm -f "$log"' EXIT

base=""
for _ in $(seq 1 100); do
  base="$(sed -n 's|^pipedrive-mock listening on \(http://[^ ]*\) .*|\1|p' "$log")"
  [ -n "$base" ] && break
  if ! kill -0 "$mock" 2>/dev/null; then
    cat "$log" >&2
    echo "schemathesis.sh: the mock did not start" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "schemathesis.sh: the mock did not report its address" >&2
  exit 1
fi
echo "mock at $base"

run() {
  "$venv/bin/schemathesis" --config-file "$config" run "$spec" \
    --checks all --mode all --max-examples "$examples" --seed "$seed" \
    --report junit --report-dir "$reports" "$@"
}

status=0
# The API operations live under /v1 ...
run --url "$base/v1" --exclude-tag Oauth --report-junit-path "$reports/api.xml" || status=1
# ... the OAuth operations at the root of their own server (operation-level `servers`).
run --url "$base" --include-tag Oauth --report-junit-path "$reports/oauth.xml" || status=1
exit "$status"
