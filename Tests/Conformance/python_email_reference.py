#!/usr/bin/env python3
"""Reference reading of mail files with Python's email package, for the conformance test.

For each file named on stdin (one path per line) prints one JSON object per line:
  {"path", "subject", "from", "from_address", "message_id", "attachments": [{"filename", "size", "sha256"}], "error"}
Header values are Python's decoded str (policy=email.policy.default), None when absent.
Attachments are every non-multipart part, at any depth (message/rfc822 included),
that has a filename or Content-Disposition: attachment, with the size and SHA-256
of its decoded bytes (get_payload(decode=True)).
"""
import email
import email.policy
import hashlib
import json
import sys


def clean(text):
    """Lone surrogates (Python's stand-ins for undecodable bytes) written as \\udcXX text, so the JSON is valid UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(text, str) else text


def header(msg, name):
    try:
        value = msg[name]
    except Exception as error:  # a header Python's parser cannot even represent
        return {"unreadable": str(error)}
    if value is None:
        return None
    return clean(" ".join(str(value).split()) if name != "message-id" else str(value).strip())


def first_address(msg):
    """The first From: address as {"name", "address"}, or None."""
    try:
        value = msg["from"]
        addresses = getattr(value, "addresses", None) if value is not None else None
    except Exception:
        return None
    if not addresses:
        return None
    first = addresses[0]
    return {"name": clean(first.display_name) or None, "address": clean(first.addr_spec) or None}


def attachments(msg):
    found = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            filename = part.get_filename()
            disposition = part.get_content_disposition()
        except Exception:
            continue
        if not filename and disposition != "attachment":
            continue
        payload = part.get_payload(decode=True) or b""
        found.append({"filename": clean(filename), "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()})
    return found


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        result = {"path": path}
        try:
            with open(path, "rb") as handle:
                msg = email.message_from_binary_file(handle, policy=email.policy.default)
            result["subject"] = header(msg, "subject")
            result["from"] = header(msg, "from")
            result["from_address"] = first_address(msg)
            result["message_id"] = header(msg, "message-id")
            result["attachments"] = attachments(msg)
        except Exception as error:
            result["error"] = f"{type(error).__name__}: {error}"
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
