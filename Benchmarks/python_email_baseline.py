#!/usr/bin/env python3
"""The baseline for desk-bench: the same loop with Python's `email` package.

    python3 Benchmarks/python_email_baseline.py --files-from LIST [--rounds N]

LIST holds one path per line, as `desk-bench --list-files` prints them, so
both implementations read the very same files. Every file is loaded into
memory first; then each is parsed once untimed (imports, codec lookups), then
ROUNDS more times against the clock. The last line printed has the same
`key=value` shape as desk-bench's.

Per message this reads subject, from, message-id and date (with the default
policy each becomes a parsed header object) and walks every leaf part with
get_content(), which undoes base64/quoted-printable and decodes the charset:
the work a reader of submissions has to do.
"""

import argparse
import email
import email.policy
import sys
import time


def read_all(messages):
    """Parses every message; returns how many raised."""
    errors = 0
    for raw in messages:
        try:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            # With the default policy a header is parsed when it is fetched.
            for name in ("subject", "from", "message-id", "date"):
                message.get(name)
            for part in message.walk():
                if part.is_multipart():
                    continue
                try:
                    part.get_content()
                except Exception:
                    # Unknown charsets, broken encodings: the part is skipped,
                    # as a reader keeps going past one bad attachment.
                    pass
        except Exception:
            errors += 1
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files-from", required=True, help="file listing one message path per line")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over all messages")
    options = parser.parse_args()
    if options.rounds < 1:
        parser.error("--rounds needs a positive whole number")

    with open(options.files_from, encoding="utf-8") as listing:
        paths = [line.rstrip("\n") for line in listing if line.strip()]
    if not paths:
        parser.error(f"{options.files_from} lists no files")
    messages = []
    for path in paths:
        with open(path, "rb") as file:
            messages.append(file.read())

    errors = read_all(messages)
    started = time.perf_counter()
    for _ in range(options.rounds):
        read_all(messages)
    seconds = time.perf_counter() - started

    size = sum(len(raw) for raw in messages)
    print(
        f"implementation=python-email messages={len(messages)} bytes={size} rounds={options.rounds} "
        f"seconds={seconds:.4f} messages_per_s={len(messages) * options.rounds / seconds:.1f} "
        f"mb_per_s={size * options.rounds / seconds / 1e6:.2f} errors={errors}"
    )


if __name__ == "__main__":
    sys.exit(main())
