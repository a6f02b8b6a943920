#!/usr/bin/env python3
"""Writes a Maildir of self-assessment submissions for the ingest benchmark.

    python3 Benchmarks/ingest/make-mail.py SEED COUNT OUTDIR

OUTDIR/new/ receives COUNT files named 1796000000.M<n>P1.bench (OUTDIR/cur/ and
OUTDIR/tmp/ are created empty). The output depends only on SEED and COUNT
(random.Random(SEED)); a summary line goes to stdout.

The self-assessment documents are the project's own examples, taken byte for byte
from Tests/EndToEndTests/Fixtures/examples/*.eml (or ../shared/examples), so the
desk reads them as real documents and finds each sender in the shipped registry
(Config/registry/retail-jp.csv):

  ~40 %  XLSX  (株式会社サクラ小売テック, sakura-kouri.example)
  ~30 %  CSV   (株式会社ツバメ流通システム, tsubame-ryutsu.example), half in the
               original cp932, half re-encoded as UTF-8
  ~20 %  YAML  (Aozora Commerce KK, aozora-commerce.example)
  ~10 %  no document (any of the four partners; the desk sends these to triage)

Around them the mail varies the way real submissions do: about a quarter are
ISO-2022-JP (encoded-word subject and sender, iso-2022-jp body), the rest UTF-8
(8bit, base64 or quoted-printable); about a third carry a multipart/alternative
text + HTML body; 3-6 Received: fields; architecture diagrams and deployment
guides (the examples' own attachment names, with incompressible contents of
lognormal size) bring the median message to about 80 KB. Receipt times (the
topmost Received:) rise with the file number, over the ten days before
2026-11-30 10:00 +0900 (the benchmark's COMPETENCY_NOW).
"""

import base64
import datetime
import email
import email.policy
import pathlib
import quopri
import random
import statistics
import struct
import sys
import urllib.parse
import zlib

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLE_DIRS = [REPO / "Tests/EndToEndTests/Fixtures/examples", REPO.parent / "shared/examples"]

JST = datetime.timezone(datetime.timedelta(hours=9))
NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=JST)
OFFICE = "retail-competency-jp@competency-office.example"
OFFICE_NAME = "AWS 小売コンピテンシー事務局"

# Partner domain -> (example file, kind). Kaede (JSON) only ever sends mail without a document.
EXAMPLES = {
    "xlsx": "customer-deployed-xlsx-iso2022jp.eml",
    "csv": "csv-cp932-japanese-labels.eml",
    "yaml": "saas-yaml.eml",
    "json": "json-quoted-printable.eml",
}

SENDERS = {
    "sakura-kouri.example": [("佐藤 花子", "hanako.sato"), ("高橋 健", "ken.takahashi"), ("伊藤 美咲", "misaki.ito")],
    "tsubame-ryutsu.example": [("鈴木 一郎", "ichiro.suzuki"), ("渡辺 直樹", "naoki.watanabe")],
    "aozora-commerce.example": [("Hanako Sato", "hanako.sato"), ("Kenji Mori", "kenji.mori")],
    "kaede-analytics.example": [("Hanako Sato", "hanako.sato"), ("Yuki Tanaka", "yuki.tanaka")],
}
MAILERS = [
    "Microsoft Outlook 16.0",
    "Becky! ver. 2.81.04",
    "Mozilla Thunderbird 115.5.0",
    "Apple Mail (2.3774.200.91.1.1)",
    None,
]
EXTRA_JA = [
    "前回ご指摘いただいた事例の公開 URL を修正いたしました。",
    "技術要件の証跡は各事例の technical 欄に記載しております。",
    "ご不明点がございましたら、担当の佐藤までご連絡ください。",
    "アーキテクチャ図を添付いたしますので、あわせてご確認ください。",
    "年末年始休業期間中のご連絡は、1 月 4 日以降のご返信となります。",
    "お忙しいところ恐れ入りますが、よろしくお願いいたします。",
]
EXTRA_EN = [
    "Our architecture diagrams are attached for each case study.",
    "We updated the public case study links you flagged last time.",
    "Please reach out to our partner solutions architect with any questions.",
    "The technical evidence is listed per case study in the attached document.",
]
QUOTED = [
    "> 自己評価シートの提出をお待ちしております。",
    "> Please send the completed self-assessment to this address.",
    "> 提出期限は受付から 5 営業日以内にご回答いたします。",
]


def load_examples():
    """Per kind: sender, subject text, body text, document part and the other attachments."""
    folder = next((d for d in EXAMPLE_DIRS if (d / EXAMPLES["xlsx"]).exists()), None)
    if folder is None:
        sys.exit("make-mail: no example submissions in " + " or ".join(map(str, EXAMPLE_DIRS)))
    examples = {}
    for kind, name in EXAMPLES.items():
        message = email.message_from_bytes((folder / name).read_bytes(), policy=email.policy.default)
        document, others, body = None, [], None
        for part in message.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename()
            if filename is None and part.get_content_type() == "text/plain":
                body = part.get_content()
            elif filename and filename.rsplit(".", 1)[-1].lower() in ("xlsx", "csv", "yaml", "yml", "json"):
                document = (filename, part.get_content_type(), part.get_payload(decode=True))
            elif filename:
                others.append((filename, part.get_content_type()))
        sender = message["From"].addresses[0]
        subject = str(message["Subject"])
        examples[kind] = {
            "domain": sender.domain,
            "subject": subject,
            "body": body,
            "document": document,
            "others": others,
        }
    return folder, examples


def b64_lines(data):
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def encoded_words(text, charset):
    """RFC 2047 B words of at most ~45 source characters, one per folded line."""
    words = []
    chunk = ""
    for character in text:
        if len((chunk + character).encode(charset, "strict")) > 45:
            words.append(chunk)
            chunk = ""
        chunk += character
    if chunk:
        words.append(chunk)
    return "\n ".join(f"=?{charset}?B?{base64.b64encode(w.encode(charset)).decode()}?=" for w in words)


def header_text(text, charset):
    if text.isascii():
        return text
    return encoded_words(text, charset)


def rfc2822(moment):
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z")


def png(rng, size):
    """A valid PNG of about `size` bytes whose pixels are noise (stored, incompressible)."""
    width = 256
    rows = max(1, size // (width * 3 + 1))
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(rows))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, rows, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")


def pdf(rng, size):
    stream = base64.b85encode(rng.randbytes(max(64, size * 4 // 5)))
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Length "
        + str(len(stream)).encode()
        + b" /Filter /ASCII85Decode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def received_chain(rng, domain, receipt, hops):
    """`hops` Received: fields, newest (the office MX: the receipt time) first."""
    fields = []
    moment = receipt
    ip = f"203.0.113.{rng.randrange(2, 250)}"
    fields.append(
        f"Received: from mail.{domain} (mail.{domain} [{ip}])\n"
        f"\tby mx1.competency-office.example (Postfix) with ESMTPS id {rng.randrange(36**12):012X}\n"
        f"\tfor <{OFFICE}>; {rfc2822(moment)} (JST)"
    )
    inner = [
        lambda m: f"Received: from filter.competency-office.example (localhost [127.0.0.1])\n"
        f"\tby mx1.competency-office.example (Postfix) with ESMTP id {rng.randrange(16**10):010X};\n"
        f"\t{rfc2822(m)}",
        lambda m: f"Received: from gw{rng.randrange(1, 4)}.{domain} (gw.{domain} [10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}])\n"
        f"\tby mail.{domain} (Postfix) with ESMTPS id {rng.randrange(16**10):010X}\n"
        f"\t(version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\n"
        f"\t{rfc2822(m)}",
        lambda m: f"Received: from [10.20.{rng.randrange(256)}.{rng.randrange(1, 255)}] by mail.{domain} with ESMTPSA id\n"
        f" {rng.randrange(16**10):010X}; {rfc2822(m)}",
        lambda m: f"Received: from relay{rng.randrange(1, 9)}.protection.mail.example (relay.protection.mail.example [198.51.100.{rng.randrange(1, 254)}])\n"
        f"\tby mail.{domain} (Postfix) with ESMTPS id {rng.randrange(16**10):010X};\n"
        f"\t{rfc2822(m)}",
    ]
    for _ in range(hops - 1):
        moment -= datetime.timedelta(seconds=rng.randrange(1, 90))
        fields.append(rng.choice(inner)(moment))
    return "\n".join(fields), moment


def text_body(rng, example, japanese):
    lines = example["body"].rstrip("\n").split("\n")
    extra = [rng.choice(EXTRA_JA if japanese else EXTRA_EN) for _ in range(rng.randrange(0, 4))]
    if extra:
        lines[-3:-3] = [""] + extra
    if rng.random() < 0.3:
        lines += ["", "-----Original Message-----"] + [rng.choice(QUOTED) for _ in range(rng.randrange(2, 12))]
    return "\n".join(lines) + "\n"


def html_body(text):
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    paragraphs = "".join(
        f'<p style="margin:0 0 8px 0;font-family:\'Yu Gothic\',Meiryo,sans-serif">{p.replace(chr(10), "<br>")}</p>\n'
        for p in escaped.split("\n\n")
    )
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>\n'
        f'<body><div dir="ltr">\n{paragraphs}</div></body></html>\n'
    )


def text_part(text, subtype, charset, encoding):
    if charset == "iso-2022-jp":
        return f'Content-Type: text/{subtype}; charset="iso-2022-jp"\nContent-Transfer-Encoding: 7bit\n\n' + text.encode(
            "iso-2022-jp", "replace"
        ).decode("ascii")
    raw = text.encode("utf-8")
    if encoding == "base64":
        payload = b64_lines(raw)
    elif encoding == "quoted-printable":
        payload = quopri.encodestring(raw).decode("ascii")
    else:
        payload = text
    return f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: {encoding}\n\n' + payload


def attachment(filename, content_type, data, rng):
    if filename.isascii():
        disposition = f'attachment; filename="{filename}"'
    elif rng.random() < 0.5:
        disposition = "attachment;\n filename*=utf-8''" + urllib.parse.quote(filename)
    else:  # what older Japanese mailers send
        disposition = f'attachment;\n filename="{encoded_words(filename, "utf-8")}"'
    return (
        f"Content-Type: {content_type}\nContent-Transfer-Encoding: base64\nContent-Disposition: {disposition}\n\n"
        + b64_lines(data)
    )


def boundary(rng):
    return "=" * 15 + str(rng.randrange(10**18, 10**19)) + "=="


def multipart(subtype, parts, rng):
    mark = boundary(rng)
    body = "".join(f"--{mark}\n{part.rstrip(chr(10))}\n\n" for part in parts) + f"--{mark}--\n"
    return f'Content-Type: multipart/{subtype}; boundary="{mark}"', body


def padding(rng, kind, example, domain):
    """Diagrams and guides: (name, type, bytes). Sizes lognormal, median total ~45 KB."""
    total = int(min(400_000, rng.lognormvariate(10.7, 0.6)))  # e^10.7 ≈ 44 KB
    names = list(example["others"]) if kind != "none" else []
    if not names:
        names = [(f"{domain.split('.')[0]}-architecture.png", "image/png")]
    weights = [rng.random() + 0.2 for _ in names]
    files = []
    for (name, content_type), weight in zip(names, weights):
        size = max(200, int(total * weight / sum(weights)))
        data = pdf(rng, size) if content_type == "application/pdf" else png(rng, size)
        files.append((name, content_type, data))
    return files


def make_message(rng, number, receipt, examples):
    roll = rng.random()
    kind = "xlsx" if roll < 0.40 else "csv" if roll < 0.70 else "yaml" if roll < 0.90 else "none"
    example = examples[rng.choice(["xlsx", "csv", "yaml", "json"])] if kind == "none" else examples[kind]
    domain = example["domain"]
    name, local = rng.choice(SENDERS[domain])
    japanese = kind in ("xlsx", "csv") or any(ord(c) > 0x3000 for c in example["body"])
    jis = rng.random() < 0.25
    charset = "iso-2022-jp" if jis else "utf-8"
    alternative = rng.random() < 0.33

    hops = rng.randrange(3, 7)
    chain, sent = received_chain(rng, domain, receipt, hops)
    date = sent - datetime.timedelta(seconds=rng.randrange(5, 600))
    if rng.random() < 0.1:  # a draft finished days before it was sent
        date -= datetime.timedelta(days=rng.randrange(1, 4))

    subject = example["subject"]
    if rng.random() < 0.15:
        subject = "Re: " + subject
    text = text_body(rng, example, japanese)
    encoding = rng.choice(["8bit", "base64", "quoted-printable"])
    plain = text_part(text, "plain", charset, encoding)
    if alternative:
        html = text_part(html_body(text), "html", "utf-8", "quoted-printable")
        alt_type, alt_body = multipart("alternative", [plain, html], rng)
        first = alt_type + "\n\n" + alt_body
    else:
        first = plain

    parts = [first]
    if kind != "none":
        filename, content_type, data = example["document"]
        if kind == "csv" and rng.random() < 0.5:
            data = data.decode("cp932").encode("utf-8")
            if rng.random() < 0.5:
                data = b"\xef\xbb\xbf" + data
        parts.append(attachment(filename, content_type, data, rng))
    for filename, content_type, data in padding(rng, kind, example, domain):
        parts.append(attachment(filename, content_type, data, rng))
    content_type, body = multipart("mixed", parts, rng)

    stamp = receipt.strftime("%Y%m%d%H%M%S")
    headers = [
        f"Return-Path: <{local}@{domain}>",
        f"Delivered-To: {OFFICE}",
        chain,
        f"From: {header_text(name, charset)}\n <{local}@{domain}>",
        f"To: {header_text(OFFICE_NAME, charset)}\n <{OFFICE}>",
        f"Subject: {header_text(subject, charset)}",
        f"Date: {rfc2822(date)}",
        f"Message-ID: <{stamp}.{rng.randrange(16**8):08x}.{number:05d}@mail.{domain}>",
        "MIME-Version: 1.0",
        content_type,
    ]
    mailer = rng.choice(MAILERS)
    if mailer:
        headers.append(f"X-Mailer: {mailer}")
    raw = "\n".join(headers) + "\n\n" + "This is a multi-part message in MIME format.\n\n" + body
    return kind, charset, alternative, raw.encode("utf-8")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    seed, count, out = int(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3])
    rng = random.Random(seed)
    _, examples = load_examples()
    for sub in ("new", "cur", "tmp"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    start = NOW - datetime.timedelta(days=10)
    span = (NOW - datetime.timedelta(minutes=5) - start).total_seconds()
    sizes, kinds, jis, alternative = [], {}, 0, 0
    for number in range(1, count + 1):
        receipt = start + datetime.timedelta(seconds=int(span * number / (count + 1)))
        kind, charset, alt, raw = make_message(rng, number, receipt, examples)
        (out / "new" / f"1796000000.M{number}P1.bench").write_bytes(raw)
        sizes.append(len(raw))
        kinds[kind] = kinds.get(kind, 0) + 1
        jis += charset == "iso-2022-jp"
        alternative += alt
    mix = " ".join(f"{k}={kinds.get(k, 0)}" for k in ("xlsx", "csv", "yaml", "none"))
    print(
        f"messages={count} bytes={sum(sizes)} median_bytes={int(statistics.median(sizes))} "
        f"min_bytes={min(sizes)} max_bytes={max(sizes)} {mix} iso2022jp={jis} alternative={alternative}"
    )


if __name__ == "__main__":
    main()
