"""Mail ingest benchmark: N real-shaped Japanese e-mails (ISO-2022-JP, CP932, EUC-JP and UTF-8 bodies with encoded
headers, 20% with an attachment, a third of them replies that thread onto earlier mails, senders who write again)
are APPENDed to a throwaway Dovecot (scripts/imap_server.sh) and ingested from it over IMAPS by the same code the
clock runs (`support.mail.imap.fetch`). Beside it, in the same run and on the same mails: IMAP fetch alone and
fetch + MIME parse (no database) — the baselines that show what the database part costs.

    KIZUNA_DATA_DIR=/tmp/kz-mail [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/mail_ingest.py \
        [--n 1000] [--attachments 0.2] [--seed 15] [--profile 40] [--queries 20] [--baseline]

--baseline first ingests N other mails (other senders, so nobody is matched across the two sets) the old way — the
dedup model for every sender, one transaction per message — and then the N mails the current way, in the same run
and database (the current way runs second, on the larger database).

Target: ≥ 100 messages/s for the full ingest.
"""

import argparse
import base64
import cProfile
import os
import pstats
import random
import re
import sys
import time
from collections import Counter
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木"]
FAMILY += ["山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "髙橋", "山﨑"]
GIVEN = ["太郎", "花子", "一郎", "健", "美咲", "翔太", "陽子", "大輔", "由美", "直樹", "恵", "誠", "愛", "拓也"]
COMPANY = ["山田製作所", "東海精機", "北斗電子", "みなと物産", "さくら商事", "青葉工業", "大和化成", "富士テック"]
TOPICS = [
    ("請求書の再発行について", "先月分の請求書を紛失してしまいました。再発行をお願いできますでしょうか。"),
    ("納期の確認", "発注番号 {order} の納期を教えてください。現場が急いでおります。"),
    ("製品の不具合", "購入した製品の電源が入りません。①電源ボタンを長押し ②コンセントの差し替え を試しました。"),
    ("見積依頼", "添付の仕様で見積をお願いします。数量は {qty} 個、㈱{company}宛でお願いします。"),
    ("パスワードを忘れました", "管理画面にログインできません。ﾊﾟｽﾜｰﾄﾞの再設定方法を教えてください。"),
    ("解約の手続き", "来月末で解約したいと考えております。必要な手続きをご教示ください。"),
    ("【至急】配送先の変更", "配送先を本社から大阪営業所へ変更してください。〒530-0001 大阪市北区梅田1-1-1"),
]
MAILERS = ["Microsoft Outlook 16.0", "Thunderbird 115.3", "Becky! ver. 2.81", "iPhone Mail"]
CHARSETS = [("iso-2022-jp", 0.4), ("shift_jis", 0.2), ("euc-jp", 0.1), ("utf-8", 0.3)]


def _encode(text: str, charset: str) -> bytes:
    from kizuna.support.mail.charsets import encode_iso2022jp

    if charset == "iso-2022-jp":
        return encode_iso2022jp(text.replace("髙", "高").replace("﨑", "崎"))
    if charset == "euc-jp":
        return text.replace("①", "(1)").replace("②", "(2)").replace("㈱", "(株)").replace("髙", "高").replace(
            "﨑", "崎").encode("euc_jp")  # fmt: skip
    return text.encode("cp932" if charset == "shift_jis" else "utf-8")


def _word(text: str, charset: str) -> str:
    label = {"shift_jis": "Shift_JIS", "iso-2022-jp": "ISO-2022-JP", "euc-jp": "EUC-JP", "utf-8": "UTF-8"}[charset]
    return f"=?{label}?B?{base64.b64encode(_encode(text, charset)).decode()}?="


def make_mails(n: int, *, attachments: float, seed: int, prefix: str = "user") -> list[bytes]:
    from datetime import UTC, datetime, timedelta

    rng = random.Random(seed)
    senders = []
    for i in range(max(20, n // 4)):
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        company = rng.choice(COMPANY)
        senders.append((f"{family} {given}", f"{prefix}{i}@{['example.co.jp', 'example.com', 'example.ne.jp'][i % 3]}",
                        company))  # fmt: skip
    start = datetime(2026, 9, 1, tzinfo=UTC)
    mails, sent = [], []
    for i in range(n):
        charset = rng.choices([c for c, _ in CHARSETS], [w for _, w in CHARSETS])[0]
        name, address, company = rng.choice(senders)
        subject, body = rng.choice(TOPICS)
        body = body.format(order=f"A-{rng.randint(1000, 9999)}", qty=rng.randint(1, 500), company=company)
        message_id = f"<{i}.{rng.getrandbits(40):x}@{address.split('@')[1]}>"
        headers = [
            f"Received: from mx{i % 7}.{address.split('@')[1]} (mx{i % 7}.{address.split('@')[1]} [192.0.2.{i % 250}])"
            f"\r\n\tby mx.example.jp (Postfix) with ESMTPS id {rng.getrandbits(48):X}\r\n\tfor <support@example.jp>;"
            f" {format_datetime(start + timedelta(minutes=i))}",
            f"From: {_word(name, charset)} <{address}>",
            "To: support@example.jp",
            f"Date: {format_datetime(start + timedelta(minutes=i))}",
            f"Message-ID: {message_id}",
            "MIME-Version: 1.0",
            f"X-Mailer: {rng.choice(MAILERS)}",
        ]
        if sent and rng.random() < 0.33:  # a reply to an earlier mail of the run
            parent_id, parent_subject = rng.choice(sent[-200:])
            headers += [f"In-Reply-To: {parent_id}", f"References: {parent_id}"]
            subject = f"Re: {parent_subject}"
        headers.append(f"Subject: {_word(subject, charset)}")
        lines = [f"{company}\u3000ご担当者様", "", "いつもお世話になっております。", f"{company}の{name}です。", ""]
        lines += [body, ""]
        lines += [f"補足{k}：{rng.choice(TOPICS)[1][:30]}" for k in range(rng.randint(0, 12))]
        lines += ["", "--", f"{company} {name}", f"TEL: 03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"]
        text = _encode("\r\n".join(lines) + "\r\n", charset)
        label = {"shift_jis": "Shift_JIS", "iso-2022-jp": "ISO-2022-JP", "euc-jp": "EUC-JP", "utf-8": "UTF-8"}[charset]
        cte = "7bit" if charset == "iso-2022-jp" else "base64"
        payload = text if cte == "7bit" else base64.encodebytes(text).replace(b"\n", b"\r\n")
        part = (f"Content-Type: text/plain; charset={label}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n").encode()
        if rng.random() < attachments:
            kind = rng.choice(["pdf", "png", "xlsx"])
            size = rng.randint(20_000, 200_000)
            magic = {"pdf": b"%PDF-1.7\n", "png": b"\x89PNG\r\n\x1a\n", "xlsx": b"PK\x03\x04"}[kind]
            blob = magic + rng.randbytes(size)
            filename = _word(f"資料_{i}.{kind}", "iso-2022-jp" if charset == "iso-2022-jp" else "utf-8")
            ctype = {"pdf": "application/pdf", "png": "image/png", "xlsx": "application/octet-stream"}[kind]
            boundary = f"----=_Part_{i}_{rng.getrandbits(32)}"
            headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
            body_bytes = (
                f"--{boundary}\r\n".encode() + part + payload + f"\r\n--{boundary}\r\n".encode()
                + f'Content-Type: {ctype}; name="{filename}"\r\nContent-Disposition: attachment; filename="{filename}"'
                  f"\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode()
                + base64.encodebytes(blob).replace(b"\n", b"\r\n") + f"--{boundary}--\r\n".encode()
            )  # fmt: skip
        else:
            header_part, _sep, _rest = part.partition(b"\r\n\r\n")
            headers += header_part.decode().split("\r\n")
            body_bytes = payload
        mails.append("\r\n".join(headers).encode() + b"\r\n\r\n" + body_bytes)
        sent.append((message_id, subject.removeprefix("Re: ")))
    return mails


def _counter(shapes):
    """An execute wrapper counting statements by their verb and first table."""

    def wrapper(execute, sql, params, many, context):
        words = re.findall(r'"?(\w+)"?', sql[:400])
        verb = words[0].upper() if words else "?"
        marker = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}.get(verb)
        upper = [w.upper() for w in words]
        table = words[upper.index(marker) + 1] if marker in upper[1 if verb == "UPDATE" else 0 :] else ""
        if verb == "UPDATE":
            table = words[1] if len(words) > 1 else ""
        shapes[f"{verb} {table}"] += 1
        return execute(sql, params, many, context)

    return wrapper


def _rate(label: str, n: int, seconds: float, cpu: float | None = None) -> float:
    """Wall-clock rate, and the rate per CPU second of this process (the machine's load moves the first, barely the
    second; the database server's own CPU is not in it)."""
    rate = n / seconds if seconds else float("inf")
    per_cpu = f" {n / cpu:>9.1f} msgs/CPU-s" if cpu else ""
    print(f"  {label:<58} {n:>7} msgs {seconds:>8.2f} s {rate:>9.1f} msgs/s{per_cpu}", flush=True)
    return rate


def old_match_sender(sender):
    """The matching before exact keys (kept here as the baseline): the dedup model for every sender, run once to
    decide and once more for the candidates when nobody was sure."""
    from kizuna.support.services import intake

    person = intake._identity_person(sender)
    if person is not None:
        return person, []
    found = intake.candidates(sender, limit=2)
    if found and found[0][0] >= intake.SURE_SCORE and (len(found) == 1 or found[1][0] < intake.SURE_SCORE):
        return found[0][1], []
    return None, intake.candidates(sender)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--attachments", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions of the ingest")
    parser.add_argument("--queries", type=int, default=0, help="print the N most frequent SQL statement shapes")
    parser.add_argument("--baseline", action="store_true",
                        help="first ingest N other mails (other senders) the old way: the dedup model for every "
                             "sender and one transaction per message; then the N mails the current way")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kizuna.contacts.models import Person
    from kizuna.core import context
    from kizuna.support.mail import imap
    from kizuna.support.mail.parse import parse
    from kizuna.support.models import Channel, KeptMail, Message, Ticket
    from kizuna.support.services import intake
    from tests.support.mail_fixtures import imap_client, mailbox_settings, start_imap, stop_imap

    call_command("migrate", verbosity=0)
    server = start_imap(str(ROOT / "var" / f"imap-bench-{os.getpid()}.env"))

    def append(folder: str, mails: list[bytes]) -> None:
        conn = imap_client(server)
        conn.create(folder)
        t0 = time.perf_counter()
        for raw in mails:
            conn.append(folder, None, None, raw)
        conn.logout()
        print(f"database: {connection.vendor}; folder {folder}: {len(mails)} mails, "
              f"{sum(map(len, mails)) / 1e6:.1f} MB, {sum(1 for m in mails if b'multipart/mixed' in m)} with "
              f"attachments; APPEND to Dovecot took {time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip

    def fetch_all_raw(folder: str):
        conn = imap_client(server)
        conn.select(folder, readonly=True)
        uids = imap.new_uids(conn, 0)
        out = []
        for start in range(0, len(uids), imap.BATCH):
            batch = imap.fetch_raw(conn, uids[start : start + imap.BATCH])
            out += [batch[u] for u in uids[start : start + imap.BATCH]]
        conn.logout()
        return out

    def ingest(label: str, folder: str, base: float) -> float:
        channel = Channel.objects.create(kind="email", name=f"ベンチ窓口 {folder}", slug=folder,
                                         settings=mailbox_settings(server, folder), secret=server.password)  # fmt: skip
        tickets0, messages0, people0 = Ticket.objects.count(), Message.objects.count(), Person.objects.count()
        t0, c0 = time.perf_counter(), time.process_time()
        profiler = cProfile.Profile() if args.profile else None
        shapes = Counter()
        with context.request_context(channel="job"), connection.execute_wrapper(_counter(shapes)):
            if profiler:
                profiler.enable()
            result = imap.fetch(channel)
            if profiler:
                profiler.disable()
        rate = _rate(label, result.fetched, time.perf_counter() - t0, time.process_time() - c0)
        print(f"    new tickets {Ticket.objects.count() - tickets0}, messages {Message.objects.count() - messages0}, "
              f"people {Person.objects.count() - people0}, kept {KeptMail.objects.filter(channel=channel).count()}; "
              f"{base / rate:.1f}x the time of parsing alone; SQL statements per message "
              f"{sum(shapes.values()) / max(result.fetched, 1):.1f}", flush=True)  # fmt: skip
        for shape, count in shapes.most_common(args.queries):
            print(f"    {count / max(result.fetched, 1):6.2f}  {shape}")
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(args.profile)
            if os.environ.get("BENCH_PROFILE_FILE"):
                profiler.dump_stats(os.environ["BENCH_PROFILE_FILE"])
        again = imap.fetch(channel)
        print(f"    second fetch (a restart): {again.fetched} messages", flush=True)
        return rate

    try:
        folder = f"bench{os.getpid()}"
        mails = make_mails(args.n, attachments=args.attachments, seed=args.seed)
        append(folder, mails)
        if args.baseline:
            old = make_mails(args.n, attachments=args.attachments, seed=args.seed + 1000, prefix="old")
            append(f"{folder}old", old)
        t0 = time.perf_counter()
        raws = fetch_all_raw(folder)
        _rate("baseline: IMAP fetch only (BODY.PEEK[], batches of 50)", len(raws), time.perf_counter() - t0)
        t0, c0 = time.perf_counter(), time.process_time()
        parsed = [parse(raw, own_domains=["example.jp"]) for raw in fetch_all_raw(folder)]
        base = _rate("baseline: IMAP fetch + MIME parse (no database)", len(parsed), time.perf_counter() - t0,
                     time.process_time() - c0)  # fmt: skip
        assert all(p.body_text for p in parsed)
        if args.baseline:
            current, commit_every = intake.match_sender, imap.COMMIT_EVERY
            intake.match_sender, imap.COMMIT_EVERY = old_match_sender, 1
            try:
                ingest("baseline: old matching, one transaction per message", f"{folder}old", base)
            finally:
                intake.match_sender, imap.COMMIT_EVERY = current, commit_every
        rate = ingest("kizuna ingest: fetch + parse + intake (person, ticket, audit)", folder, base)
        print(f"target ≥ 100 msgs/s: {'met' if rate >= 100 else 'NOT met'}", flush=True)
    finally:
        stop_imap(server)


if __name__ == "__main__":
    main()
