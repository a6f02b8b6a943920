#!/usr/bin/env python3
"""A plain Python ingester doing the desk's durable steps, for the ingest benchmark.

    python3 Benchmarks/ingest/python_ingester.py MAILDIR DBPATH ARCHIVEDIR
        [--policy compat32|default] [--no-documents]

What a competent script built on the standard library (plus openpyxl and
PyYAML, what such a script would reach for) does with each file of MAILDIR/new/,
in name order:

 1. read the bytes and hash them (SHA-256);
 2. parse with email.message_from_bytes: compat32 (the default, what most
    scripts get) or policy=email.policy.default;
 3. decode Subject, From, Date and Message-ID (decode_header/make_header and
    parsedate_to_datetime under compat32; the header objects under default);
    decode the first text/plain part to str;
 4. unless --no-documents: walk the attachments and read every self-assessment
    document: CSV (csv module; utf-8-sig, else cp932), XLSX (openpyxl,
    read_only, every cell of every sheet), YAML (yaml.safe_load), JSON; the
    result is kept as JSON text in the row, as the desk keeps its document;
 5. archive the original: write ARCHIVEDIR/<receipt day>/<name>.<tmp>, fsync,
    rename, fsync the folder (and its parent when the day folder is new);
 6. one sqlite3 transaction (WAL, synchronous=FULL): the submission row and its
    history rows (received, read, problems);
 7. unlink the inbox file and fsync MAILDIR/new/.

Each step is durable before the next starts, like the desk. No checklist is run
and nothing is matched against a registry: that is the desk's own work and
this baseline leaves it out. Prints `messages=N seconds=S errors=E`.
"""

import argparse
import csv
import datetime
import email
import email.header
import email.policy
import email.utils
import hashlib
import io
import json
import os
import sqlite3
import sys
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS submission (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    source_name TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    message_id TEXT,
    subject TEXT,
    sender TEXT,
    date_header TEXT,
    received_at REAL,
    body_text TEXT,
    document_name TEXT,
    document_json TEXT,
    problems TEXT NOT NULL,
    archive_path TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (source_name, content_sha256)
);
CREATE INDEX IF NOT EXISTS submission_message_id ON submission (message_id);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_number INTEGER NOT NULL REFERENCES submission (number),
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_submission ON history (submission_number);
"""

DOCUMENT_EXTENSIONS = ("csv", "xlsx", "yaml", "yml", "json")


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_write(folder, name, data):
    """Write-temp, fsync, rename, fsync folder."""
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(temporary, os.path.join(folder, name))
    fsync_dir(folder)


def header_compat32(message, name):
    value = message.get(name)
    if value is None:
        return None
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (UnicodeDecodeError, LookupError, email.errors.HeaderParseError):
        return str(value)


def header_default(message, name):
    value = message.get(name)
    return None if value is None else str(value)


def receipt_time(message):
    """The topmost Received: field's date, else Date:, else None."""
    for value in message.get_all("Received") or []:
        stamp = str(value).rpartition(";")[2].strip()
        try:
            return email.utils.parsedate_to_datetime(stamp)
        except (TypeError, ValueError, IndexError):
            continue
    return None


def body_text(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain" and part.get_filename() is None:
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset() or "us-ascii"
            try:
                return payload.decode(charset, "replace")
            except LookupError:
                return payload.decode("utf-8", "replace")
    return None


def read_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if rows and len(rows[0]) >= 2 and rows[0][0] == "path":
        return {row[0]: row[1] for row in rows[1:] if len(row) >= 2}
    return rows


def read_xlsx(data):
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {
            sheet.title: [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def read_yaml(data):
    import yaml

    return yaml.safe_load(data.decode("utf-8"))


def read_document(filename, data):
    extension = filename.rsplit(".", 1)[-1].lower()
    if extension == "csv":
        return read_csv(data)
    if extension == "xlsx":
        return read_xlsx(data)
    if extension in ("yaml", "yml"):
        return read_yaml(data)
    return json.loads(data)


def attachments(message):
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename:
            if isinstance(filename, str) and "=?" in filename:  # compat32 leaves encoded words
                filename = str(email.header.make_header(email.header.decode_header(filename)))
            yield filename, part


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("maildir")
    parser.add_argument("dbpath")
    parser.add_argument("archivedir")
    parser.add_argument("--policy", choices=["compat32", "default"], default="compat32")
    parser.add_argument("--no-documents", action="store_true")
    arguments = parser.parse_args()

    started = time.perf_counter()
    policy = email.policy.default if arguments.policy == "default" else email.policy.compat32
    header = header_default if arguments.policy == "default" else header_compat32
    inbox = os.path.join(arguments.maildir, "new")
    os.makedirs(arguments.archivedir, exist_ok=True)

    db = sqlite3.connect(arguments.dbpath, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(SCHEMA)

    count = errors = 0
    for name in sorted(os.listdir(inbox)):
        path = os.path.join(inbox, name)
        with open(path, "rb") as handle:
            data = handle.read()
        sha256 = hashlib.sha256(data).hexdigest()
        now = time.time()
        problems, history = [], []
        try:
            message = email.message_from_bytes(data, policy=policy)
            subject = header(message, "Subject")
            sender = header(message, "From")
            message_id = header(message, "Message-ID")
            date_header = header(message, "Date")
            received = receipt_time(message)
            text = body_text(message)
        except Exception as error:  # a script would quarantine; count it and go on
            errors += 1
            subject = sender = message_id = date_header = text = None
            received = None
            message = None
            problems.append(f"not a message: {error}")

        document_name = document_json = None
        if message is not None and not arguments.no_documents:
            for filename, part in attachments(message):
                if filename.rsplit(".", 1)[-1].lower() not in DOCUMENT_EXTENSIONS:
                    continue
                try:
                    document = read_document(filename, part.get_payload(decode=True) or b"")
                except Exception as error:
                    problems.append(f"{filename}: {error}")
                    continue
                document_name = filename
                document_json = json.dumps(document, ensure_ascii=False, default=str)
                history.append(("read", f"{filename} read"))
                break
            else:
                if document_name is None:
                    problems.append("no self-assessment document is attached")

        day = (received or datetime.datetime.fromtimestamp(now, datetime.timezone.utc)).strftime("%Y/%m/%d")
        folder = os.path.join(arguments.archivedir, day)
        if not os.path.isdir(folder):
            os.makedirs(folder, exist_ok=True)
            fsync_dir(os.path.dirname(folder))
        archive_name = f"{name}.{sha256[:12]}"
        durable_write(folder, archive_name, data)
        archive_path = f"{day}/{archive_name}"

        db.execute("BEGIN IMMEDIATE")
        try:
            cursor = db.execute(
                "INSERT OR IGNORE INTO submission (source_name, content_sha256, message_id, subject, sender,"
                " date_header, received_at, body_text, document_name, document_json, problems, archive_path,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name, sha256, message_id, subject, sender, date_header,
                    received.timestamp() if received else None, text, document_name, document_json,
                    json.dumps(problems, ensure_ascii=False), archive_path, now,
                ),
            )
            # Ignored: already stored by a run that crashed before the unlink; only that is left to do.
            if cursor.rowcount:
                number = cursor.lastrowid
                rows = [("received", f"received as {name}; archived as {archive_path}")] + history
                rows += [("problem", problem) for problem in problems]
                db.executemany(
                    "INSERT INTO history (submission_number, at, kind, detail) VALUES (?, ?, ?, ?)",
                    [(number, now, kind, detail) for kind, detail in rows],
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        os.unlink(path)
        fsync_dir(inbox)
        count += 1

    db.close()
    print(f"messages={count} seconds={time.perf_counter() - started:.3f} errors={errors}")


if __name__ == "__main__":
    sys.exit(main())
