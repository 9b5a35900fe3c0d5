#!/usr/bin/env bash
# Starts a throw-away PostgreSQL (Debian's binaries, its own data dir and port, no system service) and N
# `loyalty serve` nodes forming one Akka cluster on loopback, for trying cluster mode by hand.
#
#   scripts/cluster-up.sh [NODES]        # default 3 nodes; Ctrl-C stops everything and deletes the work dir
#
# Environment (all optional):
#   WORK=DIR          where PostgreSQL's data, the nodes' data dirs and logs go (default: a new temp dir; kept if given)
#   PG_PORT=55432     PostgreSQL's port (127.0.0.1 only)
#   HTTP_BASE=5180    node i serves HTTP on 127.0.0.1:HTTP_BASE+i (i = 1..N)
#   TCP_BASE=5280     node i's --tcp port is TCP_BASE+i
#   REMOTE_BASE=4150  node i's Akka.Remote port is REMOTE_BASE+i; every node lists all N as seed nodes
#
# Node 1 starts first and forms the cluster (and creates the journal tables); the others join it.
# Kill a node (kill -9 PID, printed below) and the other nodes take over its customers and, if it was the
# oldest, the aggregators; POST to any node's /v1/events.
set -euo pipefail
cd "$(dirname "$0")/.."

nodes="${1:-3}"
pg_port="${PG_PORT:-55432}"
http_base="${HTTP_BASE:-5180}"
tcp_base="${TCP_BASE:-5280}"
remote_base="${REMOTE_BASE:-4150}"
keep_work=1
if [ -z "${WORK:-}" ]; then WORK="$(mktemp -d /tmp/loyalty-cluster.XXXXXX)"; keep_work=0; fi
mkdir -p "$WORK"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "cluster-up: PostgreSQL's binaries are missing (/usr/lib/postgresql/*/bin/initdb); install them: apt-get install -y postgresql" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: run it as the postgres user when we are root.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
  chmod 755 "$WORK"
fi
pgdata="$WORK/postgres"
mkdir -p "$pgdata"
[ "$(id -u)" = 0 ] && chown postgres "$pgdata"

pids=()
cleanup() {
  # Newest first, one at a time: each leaves the cluster while the others can still acknowledge it.
  for ((k = ${#pids[@]} - 1; k >= 0; k--)); do
    kill "${pids[$k]}" 2>/dev/null || true
    wait "${pids[$k]}" 2>/dev/null || true
  done
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  if [ "$keep_work" = 0 ]; then rm -rf "$WORK"; else echo "cluster-up: kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "cluster-up: PostgreSQL ($pg_bin) in $pgdata on 127.0.0.1:$pg_port"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pgdata" -U loyalty --auth=trust -E UTF8 >"$WORK/initdb.log"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -w -l "$pgdata/server.log" \
  -o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
"${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U loyalty loyalty

dotnet build src/LoyaltyActors.Host -c Release -v q -nologo >"$WORK/build.log"
dll="$PWD/src/LoyaltyActors.Host/bin/Release/net10.0/loyalty.dll"
# The runtime setting a server runs with, set in its environment (README, Running the engine).
export DOTNET_TC_CallCountingDelayMs="${DOTNET_TC_CallCountingDelayMs:-0}"

export Loyalty__Journal__Provider=postgresql
export Loyalty__Journal__ConnectionString="Host=127.0.0.1;Port=$pg_port;Database=loyalty;Username=loyalty;Maximum Pool Size=50"
export Loyalty__Cluster__Hostname=127.0.0.1
for i in $(seq 1 "$nodes"); do export "Loyalty__Cluster__SeedNodes__$((i - 1))=akka.tcp://loyalty@127.0.0.1:$((remote_base + i))"; done

wait_ready() {
  for _ in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "cluster-up: the node on port $1 was not ready in 120 s; see $WORK/node*.log" >&2
  return 1
}

for i in $(seq 1 "$nodes"); do
  Loyalty__Cluster__Port=$((remote_base + i)) dotnet "$dll" serve --data-dir "$WORK/node$i" \
    --http "http://127.0.0.1:$((http_base + i))" --tcp "127.0.0.1:$((tcp_base + i))" >"$WORK/node$i.log" 2>&1 &
  pids+=($!)
  # The first node forms the cluster and creates the tables before the others join.
  [ "$i" = 1 ] && wait_ready $((http_base + 1))
done
for i in $(seq 2 "$nodes"); do wait_ready $((http_base + i)); done

for i in $(seq 1 "$nodes"); do
  echo "cluster-up: node $i  pid ${pids[$((i - 1))]}  http://127.0.0.1:$((http_base + i))  akka.tcp://loyalty@127.0.0.1:$((remote_base + i))  log $WORK/node$i.log"
done
echo "cluster-up: ready; Ctrl-C stops the nodes and PostgreSQL"
wait
