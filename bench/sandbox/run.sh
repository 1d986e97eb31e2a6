#!/bin/sh
# Measures how many message creates per second the sandbox serves, from wrk on loopback
# (both on the same 2-core machine). Usage: bench/sandbox/run.sh [seconds] [connections]
set -eu
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
connections="${2:-32}"
command -v wrk >/dev/null 2>&1 || { ./scripts/install-deps.sh; apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product twilio-sandbox >&2
log="$(mktemp)"
./.build/release/twilio-sandbox --port 0 --step-ms 0 > "$log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q "listening on" "$log" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log")
auth="ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:5a5b0a9c1d2e3f405162738495a6b7c8"
# Check that the script's request really creates a message before timing it.
status=$(curl -s -o /dev/null -w '%{http_code}' -u "$auth" --data-urlencode To=+14155550100 --data-urlencode From=+15005550006 -d Body=check "$url/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json")
[ "$status" = 201 ] || { echo "the sandbox answered $status to a create" >&2; exit 1; }
wrk -t2 -c"$connections" -d"${seconds}s" -s bench/sandbox/create.lua "$url"
created=$(curl -s "$url/__sandbox/messages" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["messages"]))')
echo "messages in the sandbox afterwards: $created"
