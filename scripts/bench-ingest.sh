#!/usr/bin/env bash
# Durable-ingest figures of this machine, side by side with the SQLite ceiling of the same disk.
# Usage: scripts/bench-ingest.sh [EVENTS]   (default 40000 per HTTP run)
# Builds Release, starts `loyalty serve` on a temp data dir and port 5199, runs scripts/load-http.py with
# batches of 500 (4 and 16 connections) and of 1 (16 connections), then offline replays of CDNOW_master
# and Online Retail. Every figure is acknowledged-after-durable (WAL, synchronous=FULL).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-40000}
data=${LOYALTY_TEST_DATA:-../shared/data}
work=$(mktemp -d /tmp/loyalty-bench.XXXXXX)
dotnet build -c Release src/LoyaltyActors.Host -v q -nologo >/dev/null
loyalty="dotnet src/LoyaltyActors.Host/bin/Release/net10.0/loyalty.dll"
# The runtime setting a server runs with, set in its environment (README, Running the engine).
export DOTNET_TC_CallCountingDelayMs="${DOTNET_TC_CallCountingDelayMs:-0}"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
echo "sqlite ceiling (same disk): $(python3 scripts/sqlite-ceiling.py --dir "$work")"

$loyalty serve --data-dir "$work/serve" --http http://127.0.0.1:5199 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf -o /dev/null http://127.0.0.1:5199/health && break; sleep 0.5; done

echo "http cold (5000 new customers): $(python3 scripts/load-http.py --url http://127.0.0.1:5199 --events 5000 --batch 500 --connections 4 --customers 5000)"
echo "http batch 500 x 4 conns:  $(python3 scripts/load-http.py --url http://127.0.0.1:5199 --events "$events" --batch 500 --connections 4 --customers 5000)"
echo "http batch 500 x 16 conns: $(python3 scripts/load-http.py --url http://127.0.0.1:5199 --events "$events" --batch 500 --connections 16 --customers 5000)"
echo "http batch 1 x 16 conns:   $(python3 scripts/load-http.py --url http://127.0.0.1:5199 --events $((events / 10)) --batch 1 --connections 16 --customers 5000)"
kill $server; wait $server 2>/dev/null || true

if [ -f "$data/cdnow-lifetimes/CDNOW_master.txt" ]; then
  echo "replay CDNOW_master: $($loyalty replay "$data/cdnow-lifetimes/CDNOW_master.txt" --format cdnow --data-dir "$work/cdnow" 2>/dev/null | tail -1)"
  echo "replay CDNOW_master again: $($loyalty replay "$data/cdnow-lifetimes/CDNOW_master.txt" --format cdnow --data-dir "$work/cdnow" 2>/dev/null | tail -1)"
fi
if [ -d "$data/online-retail-uci/by-day" ]; then
  echo "replay Online Retail: $($loyalty replay "$data/online-retail-uci/by-day" --format online-retail --data-dir "$work/retail" 2>/dev/null | tail -2 | tr '\n' ' ')"
fi
