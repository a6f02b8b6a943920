#!/usr/bin/env python3
"""What a user would run instead of `competency queue --json` / `--all --json`:
Python's sqlite3 reading the same stores and printing the same fields as JSON.

    python_queue.py [--all] STORE.sqlite...

It does the same work as the desk's queue minus the SLA arithmetic (no business
calendar): the open rows (or all), their summary columns, ISO 8601 with the
Tokyo offset, sorted by deadline, one pretty-printed JSON array on stdout.
"""
import datetime
import json
import sqlite3
import sys

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


def iso(seconds):
    return None if seconds is None else datetime.datetime.fromtimestamp(int(seconds), TOKYO).isoformat()


def main():
    args = sys.argv[1:]
    include_all = "--all" in args
    stores = [a for a in args if a != "--all"]
    rows = []
    for path in stores:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        (tenant,) = db.execute("SELECT value FROM meta WHERE key = 'tenant'").fetchone()
        where = "" if include_all else \
            " WHERE responded_at IS NULL AND closed_at IS NULL AND verdict <> 'ignored'"
        for number, partner, subject, message_id, received, due_date, deadline, verdict, responded in db.execute(
                "SELECT number, partner, subject, message_id, received_at, due_date, deadline, verdict, responded_at"
                " FROM submission" + where):
            rows.append({"id": f"{tenant}-{number}", "tenant": tenant, "partner": partner, "subject": subject,
                         "message_id": message_id, "received_at": iso(received), "due_date": due_date,
                         "due_at": iso(deadline), "verdict": verdict,
                         "sla": "met" if responded else ("none" if deadline is None else "open")})
        db.close()
    rows.sort(key=lambda r: (r["due_at"] is None, r["due_at"] or ""))
    json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
