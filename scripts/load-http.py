#!/usr/bin/env python3
"""Small durable-ingest load generator for POST /v1/events.

Usage: scripts/load-http.py [--url URL] [--events N] [--batch B] [--connections C] [--customers K]

Every event is a purchase of a distinct event_id, spread over K customers. The server acknowledges a
request only after its events are in the journal, so events/s here is durable throughput.
"""
import argparse, http.client, json, threading, time, urllib.parse, uuid

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:5080")
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--customers", type=int, default=1000)
    a = p.parse_args()
    run = uuid.uuid4().hex[:8]
    bodies = []
    for start in range(0, a.events, a.batch):
        evs = []
        for i in range(start, min(start + a.batch, a.events)):
            evs.append({"event_id": f"load-{run}-{i}", "type": "purchase", "customer_id": f"L-{i % a.customers}",
                        "occurred_at": "2026-11-20T10:15:00Z", "order_id": f"O-{run}-{i}",
                        "lines": [{"sku": f"SKU-{i % 97}", "category": f"cat-{i % 7}", "qty": 1 + i % 3, "unit_price": 9.99}]})
        bodies.append(json.dumps(evs if a.batch > 1 else evs[0]).encode())
    u = urllib.parse.urlparse(a.url)
    lock = threading.Lock(); queue = list(reversed(bodies)); stats = {"ok": 0, "err": 0, "lat": []}

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        while True:
            with lock:
                if not queue: return
                body = queue.pop()
            t = time.perf_counter()
            conn.request("POST", "/v1/events", body, {"content-type": "application/json"})
            r = conn.getresponse(); r.read()
            with lock:
                stats["lat"].append(time.perf_counter() - t)
                stats["ok" if r.status == 200 else "err"] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(a.connections)]
    for t in threads: t.start()
    for t in threads: t.join()
    dt = time.perf_counter() - t0
    lat = sorted(stats["lat"]); p99 = lat[int(len(lat) * 0.99) - 1] if lat else 0
    print(json.dumps({"events": a.events, "batch": a.batch, "connections": a.connections, "customers": a.customers,
                      "seconds": round(dt, 2), "events_per_s": round(a.events / dt), "requests_ok": stats["ok"],
                      "requests_failed": stats["err"], "request_p99_ms": round(p99 * 1000, 1)}))

if __name__ == "__main__":
    main()
