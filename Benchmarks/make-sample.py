#!/usr/bin/env python3
"""Writes Benchmarks/sample/: synthetic messages for desk-bench when ../shared/corpus is absent.

    python3 Benchmarks/make-sample.py [--count 200] [--out Benchmarks/sample]

The output is not checked in: this script is, and it is deterministic (a fixed
random seed), so every machine benchmarks the same bytes. The mix follows what
the office receives: mostly short plain or Japanese mail, some submissions
with attachments of every size, some bounces and auto-replies, a few damaged
messages. Bytes are written by hand rather than with the email package so
that the damaged ones stay damaged.
"""

import argparse
import base64
import pathlib
import quopri
import random
import urllib.parse

JAPANESE_LINES = [
    "お世話になっております。",
    "AWS リテールコンピテンシーの自己評価を提出いたします。",
    "公開事例の URL は添付の表に記載しました。",
    "ご確認のほど、よろしくお願い申し上げます。",
    "振替休日のため、ご返信は週明けで差し支えございません。",
]
ENGLISH_LINES = [
    "Please find our completed self-assessment attached.",
    "The public case study is linked in row 14 of the sheet.",
    "Let us know if anything is missing before the review.",
    "Our partner solutions architect is copied on this thread.",
]
PARTNERS = ["example-kk", "retail-works", "shop-cloud", "omni-tech", "kaimono-lab"]


def encoded_word(text, charset, encoding="B"):
    """One RFC 2047 word; ISO-2022-JP words are always B, as Japanese mailers send them."""
    raw = text.encode(charset)
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(raw).decode()}?="
    quoted = quopri.encodestring(raw, header=True).decode().replace("=\n", "")
    return f"=?{charset}?Q?{quoted}?="


def received_chain(rng, hops):
    """Received fields, newest first, each one folded as MTAs write them."""
    lines = []
    for hop in range(hops):
        day = 30 - hop // 3
        lines.append(
            f"Received: from mx{hop}.relay.example (mx{hop}.relay.example [198.51.100.{rng.randrange(1, 254)}])\n"
            f"\tby mx{hop + 1}.office.example (Postfix) with ESMTPS id {rng.randrange(16**10):010X};\n"
            f"\tMon, {day} Nov 2026 {9 - hop % 9:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d} +0900 (JST)"
        )
    return "\n".join(lines)


def common_headers(rng, number, subject, name, address):
    sender = f"{name} <{address}>" if name else address
    return (
        f"Return-Path: <{address}>\n"
        f"{received_chain(rng, rng.randrange(1, 9))}\n"
        f"From: {sender}\n"
        "To: retail-competency-jp@office.example\n"
        f"Subject: {subject}\n"
        f"Date: Mon, 30 Nov 2026 08:{number % 60:02d}:00 +0900\n"
        f"Message-ID: <sample-{number}@{rng.choice(PARTNERS)}.example>\n"
        "MIME-Version: 1.0\n"
    )


def plain_english(rng, number):
    body = "\n".join(rng.choice(ENGLISH_LINES) for _ in range(rng.randrange(3, 40)))
    headers = common_headers(
        rng, number, "Self-assessment: AWS Retail Competency", "Alex Doe", f"alex@{rng.choice(PARTNERS)}.example"
    )
    return (headers + "Content-Type: text/plain; charset=us-ascii\n\n" + body + "\n").encode()


def plain_japanese(rng, number):
    name = encoded_word("佐藤 花子", "iso-2022-jp")
    subject = encoded_word("【自己評価】リテールコンピテンシー申請", "iso-2022-jp")
    body = "\n".join(rng.choice(JAPANESE_LINES) for _ in range(rng.randrange(3, 30)))
    headers = common_headers(rng, number, subject, name, f"hanako@{rng.choice(PARTNERS)}.example")
    return (headers + "Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n").encode() + (
        body + "\n"
    ).encode("iso-2022-jp")


def with_attachments(rng, number):
    name = encoded_word("Müller, Jörg", "utf-8", "Q")
    subject = encoded_word("自己評価シート（最終版）", "utf-8")
    boundary = f"=_boundary_{number}_{rng.randrange(10**8)}"
    text = "\n".join(rng.choice(JAPANESE_LINES) for _ in range(5)) + "\n"
    parts = [
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        + quopri.encodestring(text.encode()).decode()
    ]
    for index in range(rng.randrange(1, 4)):
        # Sizes from a few hundred bytes to ~400 KB, skewed small like real mail.
        size = int(300 * (1.6 ** rng.randrange(0, 15)))
        payload = base64.encodebytes(rng.randbytes(size)).decode()
        filename = rng.choice(["self-assessment.xlsx", "自己評価.xlsx", "case-study.pdf", "checklist.csv"])
        parts.append(
            f"Content-Type: application/octet-stream; name=\"{encoded_word(filename, 'utf-8')}\"\n"
            f"Content-Disposition: attachment; filename*=utf-8''{urllib.parse.quote(filename)}\n"
            "Content-Transfer-Encoding: base64\n\n" + payload
        )
    body = "".join(f"--{boundary}\n{part}\n" for part in parts) + f"--{boundary}--\n"
    headers = common_headers(rng, number, subject, name, f"joerg@{rng.choice(PARTNERS)}.example")
    return (headers + f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n' + body).encode()


def alternative(rng, number):
    text = "\n".join(rng.choice(ENGLISH_LINES) for _ in range(8))
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.split("\n")) + "</body></html>"
    headers = common_headers(
        rng, number, "Re: Re: Fwd: competency review", '"Ops, Shop Cloud"', f"ops@{rng.choice(PARTNERS)}.example"
    )
    return (
        headers
        + "Content-Type: multipart/alternative; boundary=alt\n\n"
        + f"--alt\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
        + f"--alt\nContent-Type: text/html; charset=utf-8\n\n{html}\n--alt--\n"
    ).encode()


def bounce(rng, number):
    original = plain_english(rng, number + 1000).decode()
    headers = common_headers(rng, number, "Undelivered Mail Returned to Sender", None, "MAILER-DAEMON@office.example")
    return (
        headers.replace("Return-Path: <MAILER-DAEMON@office.example>", "Return-Path: <>")
        + "Auto-Submitted: auto-replied\n"
        + "Content-Type: multipart/report; report-type=delivery-status; boundary=dsn\n\n"
        + "--dsn\nContent-Type: text/plain\n\nThe mail system could not deliver your message.\n"
        + "--dsn\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx1.office.example\n\n"
        + "Final-Recipient: rfc822; nobody@office.example\nAction: failed\nStatus: 5.1.1\n"
        + f"--dsn\nContent-Type: message/rfc822\n\n{original}\n--dsn--\n"
    ).encode()


def auto_reply(rng, number):
    subject = encoded_word("不在通知: 自己評価の件", "iso-2022-jp")
    headers = common_headers(rng, number, subject, None, "away@office.example")
    body = "12月4日まで不在にしております。\n".encode("iso-2022-jp")
    return (headers + "Auto-Submitted: auto-replied\nPrecedence: bulk\nContent-Type: text/plain; charset=ISO-2022-JP\n\n").encode() + body


def damaged(rng, number):
    """Raw Shift_JIS in a header, a bare LF/CRLF mix, a lost boundary, a junk date."""
    subject = "自己評価（文字化け）".encode("shift_jis")
    return (
        b"From: =?iso-2022-jp?B?broken?= <x@partner.example>\r\n"
        + b"Subject: " + subject + b"\n"
        + b"Date: sometime on Monday\r\n"
        + b"Content-Type: multipart/mixed; boundary=lost\n"
        + b"no colon on this line\n\n"
        + b"--not-the-boundary\n" + base64.encodebytes(rng.randbytes(rng.randrange(100, 5000)))
    )


# Weights: how often each shape appears, roughly as in the office's inbox.
SHAPES = [
    (plain_english, 5),
    (plain_japanese, 5),
    (with_attachments, 4),
    (alternative, 2),
    (bounce, 2),
    (auto_reply, 1),
    (damaged, 1),
]


def main():
    here = pathlib.Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--out", type=pathlib.Path, default=here / "sample")
    options = parser.parse_args()

    rng = random.Random(20261130)
    options.out.mkdir(parents=True, exist_ok=True)
    shapes, weights = zip(*SHAPES)
    total = 0
    for number in range(options.count):
        shape = rng.choices(shapes, weights)[0]
        data = shape(rng, number)
        # A third use CRLF, as mail stored by most MTAs does.
        if rng.random() < 1 / 3:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        (options.out / f"{number:03d}-{shape.__name__.replace('_', '-')}.eml").write_bytes(data)
        total += len(data)
    print(f"wrote {options.count} messages, {total:,} bytes, to {options.out}")


if __name__ == "__main__":
    main()
