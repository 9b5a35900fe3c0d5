#!/usr/bin/env bash
# Durable HTTP ingest of 1, 2 and 3 cluster nodes on one PostgreSQL (scripts/cluster-up.sh), load spread evenly
# over the nodes (one scripts/load-http.py per node, batches of 500, 4 connections each). Prints one line per size.
# Usage: scripts/cluster-throughput.sh [TOTAL_EVENTS]   (default 30000)
set -euo pipefail
cd "$(dirname "$0")/.."
total="${1:-30000}"
dotnet build -c Release src/LoyaltyActors.Host -v q -nologo >/dev/null
for n in 1 2 3; do
  work="$(mktemp -d /tmp/loyalty-cluster-tp.XXXXXX)"
  WORK="$work" HTTP_BASE=5380 TCP_BASE=5480 REMOTE_BASE=4350 PG_PORT=55532 scripts/cluster-up.sh "$n" >"$work/up.log" 2>&1 &
  up=$!
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$((5380 + i))/health" >/dev/null 2>&1 && break; sleep 0.5; done
  done
  start=$(date +%s.%N)
  pids=()
  for i in $(seq 1 "$n"); do
    python3 scripts/load-http.py --url "http://127.0.0.1:$((5380 + i))" --events $((total / n)) --batch 500 --connections 4 --customers 10000 >"$work/load$i.json" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  end=$(date +%s.%N)
  echo "$n node(s): $(python3 -c "print(round($total / ($end - $start)))") events/s ($total events, batches of 500, 4 connections per node)"
  kill -TERM "$up" 2>/dev/null || true
  wait "$up" 2>/dev/null || true
  rm -rf "$work"
done
