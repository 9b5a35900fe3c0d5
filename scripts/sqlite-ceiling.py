#!/usr/bin/env python3
"""The SQLite write/read ceiling of this disk, for comparison with the engine's durable ingest.

Usage: scripts/sqlite-ceiling.py [--dir DIR] [--rows N] [--tx-rows R]

WAL mode, synchronous=FULL (every commit fsynced, as the engine requires), transactions of R rows of
~200-byte payloads keyed like the journal (persistence_id, sequence_number); then the per-key read-back
rate. Prints one JSON line.
"""
import argparse, json, os, random, sqlite3, tempfile, time

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", default=None)
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--tx-rows", type=int, default=1000)
    a = p.parse_args()
    d = a.dir or tempfile.mkdtemp(prefix="sqlite-ceiling-")
    path = os.path.join(d, "ceiling.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix): os.remove(path + suffix)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=FULL")
    c.execute("CREATE TABLE journal (ordering INTEGER PRIMARY KEY AUTOINCREMENT, persistence_id TEXT NOT NULL, "
              "sequence_number INTEGER NOT NULL, message BLOB NOT NULL, UNIQUE(persistence_id, sequence_number))")
    payload = os.urandom(200)
    customers = 10_000
    t0 = time.perf_counter()
    n = 0
    while n < a.rows:
        c.execute("BEGIN")
        c.executemany("INSERT INTO journal (persistence_id, sequence_number, message) VALUES (?, ?, ?)",
                      ((f"customer-{i % customers}", i // customers + 1, payload) for i in range(n, min(n + a.tx_rows, a.rows))))
        c.execute("COMMIT")
        n += a.tx_rows
    write_s = time.perf_counter() - t0
    keys = [f"customer-{i}" for i in random.sample(range(customers), customers)]
    t0 = time.perf_counter(); read = 0
    for k in keys:
        read += len(c.execute("SELECT message FROM journal WHERE persistence_id = ? ORDER BY sequence_number", (k,)).fetchall())
    read_s = time.perf_counter() - t0
    print(json.dumps({"rows": a.rows, "tx_rows": a.tx_rows, "write_rows_per_s": round(a.rows / write_s),
                      "read_keys_per_s": round(customers / read_s), "read_rows_per_s": round(read / read_s)}))

if __name__ == "__main__":
    main()
