#!/usr/bin/env python3
"""Drop-to-stored latency with the daemon running (issue 11, item 4).

    drop_to_stored.py MAILDIR_SOURCE INBOX STORE [--rate 50] [--count 500]

Delivers the files of MAILDIR_SOURCE/new into INBOX the way a mail system does
(write into tmp/, rename into new/) at a steady RATE per second, and watches the
tenant's STORE from one read-only sqlite3 connection (no process per probe),
polling every millisecond for the inbox_file row of each delivered name. The
latency of a file is from its rename into new/ to the first poll that sees its
row committed. The probe's own resolution is measured the same way on rows a
Python writer commits to a scratch database in the same run (the floor).
Prints one line of key=value figures.
"""
import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def watch(store, names, seen, stop, table="inbox_file", column="source_name"):
    db = None
    while db is None and not stop.is_set():
        try:
            db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.OperationalError:
            time.sleep(0.01)
    last = 0
    while not stop.is_set():
        try:
            for rowid, name in db.execute(f"SELECT rowid, {column} FROM {table} WHERE rowid > ?", (last,)):
                last = max(last, rowid)
                if name in names and name not in seen:
                    seen[name] = time.monotonic()
        except sqlite3.OperationalError:
            pass
        time.sleep(0.001)


def deliver(files, inbox, rate, dropped):
    interval = 1.0 / rate
    start = time.monotonic()
    for index, (name, data) in enumerate(files):
        due = start + index * interval
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        temporary = os.path.join(inbox, "tmp", name)
        with open(temporary, "wb") as f:
            f.write(data)
        os.rename(temporary, os.path.join(inbox, "new", name))
        dropped[name] = time.monotonic()


def floor(count, rate):
    """The probe's own resolution: rows committed by a plain writer, seen by the same poller."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "floor.sqlite")
        writer = sqlite3.connect(path)
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("CREATE TABLE t (name TEXT)")
        writer.commit()
        names = {f"f{i}" for i in range(count)}
        seen, stop = {}, threading.Event()
        thread = threading.Thread(target=watch, args=(path, names, seen, stop, "t", "name"), daemon=True)
        thread.start()
        time.sleep(0.05)
        committed = {}
        for i in range(count):
            writer.execute("INSERT INTO t VALUES (?)", (f"f{i}",))
            writer.commit()
            committed[f"f{i}"] = time.monotonic()
            time.sleep(1.0 / rate)
        time.sleep(0.1)
        stop.set()
        thread.join()
        return [(seen[n] - committed[n]) * 1000 for n in names if n in seen]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("inbox")
    parser.add_argument("store")
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    new = os.path.join(args.source, "new")
    files = []
    for name in sorted(os.listdir(new))[: args.count]:
        with open(os.path.join(new, name), "rb") as f:
            files.append((name, f.read()))
    names = {name for name, _ in files}
    seen, dropped, stop = {}, {}, threading.Event()
    thread = threading.Thread(target=watch, args=(args.store, names, seen, stop), daemon=True)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    deliver(files, args.inbox, args.rate, dropped)
    deadline = time.monotonic() + args.timeout
    while len(seen) < len(names) and time.monotonic() < deadline:
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    stop.set()
    thread.join()
    latencies = [(seen[n] - dropped[n]) * 1000 for n in names if n in seen and n in dropped]
    probe = floor(min(200, args.count), args.rate)
    print(" ".join([
        f"files={len(files)}", f"stored={len(latencies)}", f"rate={args.rate:g}/s", f"seconds={elapsed:.1f}",
        f"p50_ms={percentile(latencies, 0.5):.1f}", f"p90_ms={percentile(latencies, 0.9):.1f}",
        f"p99_ms={percentile(latencies, 0.99):.1f}", f"max_ms={max(latencies) if latencies else float('nan'):.1f}",
        f"mean_ms={statistics.mean(latencies) if latencies else float('nan'):.1f}",
        f"probe_floor_p50_ms={percentile(probe, 0.5):.2f}", f"probe_floor_p99_ms={percentile(probe, 0.99):.2f}",
    ]))
    return 0 if len(latencies) == len(files) else 1


if __name__ == "__main__":
    sys.exit(main())
