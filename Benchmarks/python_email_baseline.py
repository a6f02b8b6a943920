#!/usr/bin/env python3
"""The baseline for desk-bench: the same loop with Python's `email` package.

    python3 Benchmarks/python_email_baseline.py --files-from LIST [--rounds N] [--policy default|compat32]

LIST holds one path per line, as `desk-bench --list-files` prints them, so
both implementations read the very same files. Every file is loaded into
memory first; then each is parsed once untimed (imports, codec lookups), then
ROUNDS more times against the clock. The last line printed has the same
`key=value` shape as desk-bench's.

Per message this reads subject, from, message-id and date (with the default
policy each becomes a parsed header object) and walks every leaf part with
get_content(), which undoes base64/quoted-printable and decodes the charset:
the work a reader of submissions has to do.

With `--policy compat32` (what `email.message_from_bytes(raw)` gives when no
policy is named, the form most scripts use) the headers are decoded with
`email.header.decode_header`/`make_header` and every leaf part's payload with
`get_payload(decode=True)` and its charset: the same work in the older API.
"""

import argparse
import email
import email.header
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


def read_all_compat32(messages):
    """`read_all` with the default compat32 policy and its API."""
    errors = 0
    for raw in messages:
        try:
            message = email.message_from_bytes(raw)
            for name in ("subject", "from", "message-id", "date"):
                value = message.get(name)
                if value is not None:
                    try:
                        str(email.header.make_header(email.header.decode_header(value)))
                    except Exception:
                        pass
            for part in message.walk():
                if part.is_multipart():
                    continue
                try:
                    payload = part.get_payload(decode=True)
                    if part.get_content_maintype() == "text" and payload is not None:
                        payload.decode(part.get_content_charset() or "us-ascii", errors="replace")
                except Exception:
                    pass
        except Exception:
            errors += 1
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files-from", required=True, help="file listing one message path per line")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over all messages")
    parser.add_argument("--policy", choices=["default", "compat32"], default="default",
                        help="email.policy.default (get_content) or the compat32 default of message_from_bytes")
    options = parser.parse_args()
    reader = read_all if options.policy == "default" else read_all_compat32
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

    errors = reader(messages)
    started = time.perf_counter()
    for _ in range(options.rounds):
        reader(messages)
    seconds = time.perf_counter() - started

    size = sum(len(raw) for raw in messages)
    print(
        f"implementation=python-email-{options.policy} messages={len(messages)} bytes={size} rounds={options.rounds} "
        f"seconds={seconds:.4f} messages_per_s={len(messages) * options.rounds / seconds:.1f} "
        f"mb_per_s={size * options.rounds / seconds / 1e6:.2f} errors={errors}"
    )


if __name__ == "__main__":
    sys.exit(main())
