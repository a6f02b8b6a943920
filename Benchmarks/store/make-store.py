#!/usr/bin/env python3
"""Fills a tenant store made by `competencyd --once` with N seeded submissions.

    make-store.py STORE.sqlite TENANT COUNT OPEN [--seed 42]

The store must exist (competencyd creates it and its schema); rows are added
with the shapes ingest writes: a self-assessment document of about 3 KB as
canonical JSON, 20 checks, problems, a thread, three history events each, a
note on one in ten. COUNT - OPEN of them are answered or closed, OPEN are owed
an answer with deadlines spread around "now" (2026-11-30, Tokyo), so the queue,
show, history and the SLA sweep meet a store that has run for years.
"""
import argparse
import hashlib
import json
import random
import sqlite3
import time

NOW = 1796007600.0  # 2026-11-30T10:00:00+09:00
DAY = 86400.0


def document(rng, number):
    studies = [
        {
            "customer": f"顧客{rng.randrange(1000)} 株式会社",
            "title": "店舗在庫の可視化と需要予測 " * rng.randrange(1, 3),
            "production": True,
            "public_url": f"https://example.com/case/{number}/{i}" if i < 2 else None,
            "went_live": f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d}",
            "services": ["Amazon S3", "AWS Lambda", "Amazon DynamoDB", "Amazon Personalize"][: rng.randrange(2, 5)],
        }
        for i in range(4)
    ]
    return {
        "program": "retail-technology",
        "partner": {"name": f"パートナー{number % 500} 株式会社", "apn_id": f"APN-{310000 + number % 500}",
                    "tier": "advanced", "contact": {"name": "佐藤 花子", "email": f"hanako{number}@partner{number % 500}.example"}},
        "case_studies": studies,
        "technical": {f"TECH-{i}": {"answer": "はい、対応しています。" * rng.randrange(1, 4)} for i in range(1, 13)},
        "reviewed_by": {"name": "Ken Ito", "role": "pdm"},
    }


def checks(rng):
    statuses = ["pass"] * 8 + ["review", "fail"]
    return [{"id": f"PRE-{i // 5 + 1}.{i % 5 + 1}", "status": rng.choice(statuses),
             "reason": "the registry lists the partner as advanced; two public case studies of four"} for i in range(20)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("tenant")
    parser.add_argument("count", type=int)
    parser.add_argument("open", type=int)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(f"{args.seed}-{args.tenant}")
    db = sqlite3.connect(args.store)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    (owner,) = db.execute("SELECT value FROM meta WHERE key = 'tenant'").fetchone()
    if owner != args.tenant:
        raise SystemExit(f"{args.store} belongs to tenant {owner}, not {args.tenant}")
    (start,) = db.execute("SELECT coalesce(max(number), 0) FROM submission").fetchone()
    open_numbers = set(rng.sample(range(args.count), args.open))
    started = time.time()
    db.execute("BEGIN")
    for index in range(args.count):
        number = start + index + 1
        is_open = index in open_numbers
        if is_open:
            received = NOW - rng.uniform(0, 8) * DAY
        else:
            received = NOW - (args.count - index) * 600.0 - rng.uniform(0, 600)
        verdict = rng.choice(["ready", "incomplete", "incomplete", "triage"]) if is_open else \
            rng.choice(["ready", "incomplete", "triage", "ignored"])
        deadline = received + 7 * DAY if verdict != "ignored" else None
        responded = None if is_open or verdict == "ignored" else received + rng.uniform(0.2, 6) * DAY
        closed = None if is_open else (responded or received) + DAY
        sha = hashlib.sha256(f"{args.tenant}-{number}-{args.seed}".encode()).hexdigest()
        doc = json.dumps(document(rng, number), ensure_ascii=False)
        partner = f"パートナー{number % 500} 株式会社"
        cur = db.execute(
            """INSERT INTO submission (number, verdict, subject, sender, partner, message_id, content_sha256,
               received_at, receipt_source, date_header, due_date, deadline, responded_at, closed_at, assignee,
               ignored_reason, problems, archive_path, created_at, program, document_name, document_json, checks,
               application_key, revision, previous_number, thread_ids, sender_address, body_sha256)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received-header', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'retail-technology',
               'self-assessment.xlsx', ?, ?, ?, 1, NULL, ?, ?, ?)""",
            (number, verdict, f"【リテール コンピテンシー】自己評価の提出 {number}", f"Hanako Sato <hanako{number}@partner{number % 500}.example>",
             partner if verdict != "ignored" else None, f"<bench-{args.tenant}-{number}@partner.example>", sha, received,
             "Mon, 30 Nov 2026 10:00:00 +0900",
             time.strftime("%Y-%m-%d", time.gmtime(deadline + 9 * 3600)) if deadline else None, deadline, responded,
             closed, None, "an automatic reply" if verdict == "ignored" else None,
             json.dumps(["the Date: header is 3 minutes after the receipt"], ensure_ascii=False),
             f"2026/11/{sha}.eml", received, doc if verdict != "ignored" else None,
             json.dumps(checks(rng)) if verdict != "ignored" else "[]",
             f"APN-{310000 + number % 500}|retail-technology", json.dumps([f"<thread-{number}@partner.example>"]),
             f"hanako{number}@partner{number % 500}.example", sha))
        db.execute("INSERT INTO inbox_file (source_name, content_sha256, size, archive_path, outcome, submission_number, ingested_at) VALUES (?, ?, ?, ?, 'stored', ?, ?)",
                   (f"{int(received)}.M{number}P1.bench", sha, 80000, f"2026/11/{sha}.eml", number, received))
        for kind, at, detail in [("received", received, "received (received-header) as a bench file"),
                                 ("checked", received, "3 pass, 1 fail, 1 review"),
                                 ("responded" if responded else "stored", responded or received, "the first response")]:
            db.execute("INSERT INTO event (submission_number, at, kind, actor, detail) VALUES (?, ?, ?, 'competencyd', ?)",
                       (number, at, kind, detail))
        if number % 10 == 0:
            db.execute("INSERT INTO note (submission_number, at, author, text) VALUES (?, ?, 'yamada', ?)",
                       (number, received + 3600, "パートナーに電話で確認済み。"))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"make-store: {args.count} submissions ({args.open} open) in {args.store} ({time.time() - started:.1f} s)")


if __name__ == "__main__":
    main()
