"""Japanese mail as it really arrives: charsets, broken headers, HTML, attachments, auto-replies, bounces, bad MIME."""

import contextlib
from pathlib import Path

import pytest

from kizuna.support.mail import charsets
from kizuna.support.mail.parse import parse

SAMPLES = Path(__file__).parent / "mail_samples"


def sample(name: str, **options):
    return parse((SAMPLES / name).read_bytes(), **options)


def test_iso2022jp_keeps_nec_special_characters_in_body_and_subject():
    mail = sample("iso2022jp_nec.eml")
    assert mail.subject == "【至急】請求書の再発行について①"  # split across two encoded words
    assert (mail.from_name, mail.from_email) == ("高橋 一郎", "takahashi@yamada-ss.co.jp")
    assert "① 納品書の再発行" in mail.body_text and "（㈲→㈱）" in mail.body_text
    assert mail.message_id == "<20261207101500.ABC123@yamada-ss.co.jp>"
    assert not mail.problems and not mail.auto


def test_shift_jis_is_read_as_cp932_even_when_a_character_is_split_across_encoded_words():
    mail = sample("sjis_cp932.eml")
    assert mail.subject == "ｼｮｰﾄ 見積依頼（㈱山﨑商事）"
    assert mail.from_name == "山﨑 花子"
    assert "髙橋様" in mail.body_text and "①②" in mail.body_text and "ｶﾀｶﾅ" in mail.body_text


def test_euc_jp_body_and_q_encoded_headers():
    mail = sample("eucjp.eml")
    assert mail.subject == "納期の確認" and mail.from_name == "佐藤"
    assert "発注番号 A-1234 の納期" in mail.body_text


def test_raw_8bit_headers_and_a_mislabelled_body_are_read_and_the_guess_is_reported():
    mail = sample("raw8bit_mislabelled.eml")
    assert mail.subject == "問い合わせ（携帯から）"
    assert mail.from_name == "鈴木 次郎"
    assert mail.body_text.startswith("携帯から失礼します。")
    assert any("iso-2022-jp" in p for p in mail.problems)


def test_alternative_prefers_text_plain_and_keeps_the_threading_headers():
    mail = sample("utf8_reply.eml")
    assert mail.body_text.startswith("ご回答ありがとうございます。\n承知しました。")
    assert mail.in_reply_to == "<kizuna.42.1.abc@example.jp>"
    assert mail.references.split() == ["<20261207101500.ABC123@yamada-ss.co.jp>", "<kizuna.42.1.abc@example.jp>"]
    assert "<p>承知しました。</p>" in mail.body_html
    assert mail.subject == "Re: [#42] 請求書の再発行について"


def test_html_only_mail_is_sanitized_remote_images_blocked_and_rendered_as_text():
    mail = sample("html_only.eml")
    html = mail.body_html
    assert "<script" not in html and "alert" not in html and "onclick" not in html and "<style" not in html
    assert "javascript:" not in html
    assert (
        ' src="https://tracker' not in html and 'data-remote-src="https://tracker.example.com/open.gif?id=123"' in html
    )
    assert 'src="cid:logo@shop"' in html  # the inline part of the mail itself
    assert mail.remote_images_blocked == 1
    assert "新商品のご案内です。ご確認ください。" in mail.body_text and "・特価品①" in mail.body_text
    assert "alert" not in mail.body_text
    assert [(a.content_type, a.inline) for a in mail.attachments] == [("image/png", True)]


def test_remote_image_addresses_that_dodge_the_rename_are_still_dropped():
    raw = (b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b'<img src="&#104;ttps://evil.example/x.gif"><img src=//evil.example/y.gif><p>hi</p>')  # fmt: skip
    html = parse(raw).body_html
    assert "evil.example/x.gif" not in html.replace("data-remote-src", "")
    assert ' src="//evil' not in html and "<p>hi</p>" in html


def test_attachment_names_are_decoded_from_rfc2231_and_rfc2047():
    mail = sample("attachments.eml")
    assert mail.body_text == "資料を添付します。"
    assert [a.filename for a in mail.attachments] == ["見積書_2026.pdf", "図面一覧.xls", "invoice.pdf"]
    lying = mail.attachments[2]
    assert lying.content_type == "application/pdf" and lying.content.startswith(b"\x89PNG")  # the claim, not the truth


def test_attachments_over_the_limit_are_reported_not_silently_dropped():
    mail = sample("attachments.eml", max_attachment_bytes=50)
    assert [a.filename for a in mail.attachments] == ["見積書_2026.pdf"]
    assert {s["filename"] for s in mail.skipped_attachments} == {"図面一覧.xls", "invoice.pdf"}
    assert any("図面一覧.xls" in p and "メールサーバーに残っています" in p for p in mail.problems)


def test_auto_replies_and_loops_are_recognised():
    assert sample("auto_reply.eml").auto == "auto-submitted: auto-replied"
    base = b"From: a@example.com\r\nSubject: x\r\nMessage-ID: <1@example.com>\r\n"
    assert parse(base + b"Precedence: bulk\r\n\r\nhi").auto == "precedence: bulk"
    assert parse(base + b"X-Auto-Response-Suppress: OOF\r\n\r\nhi").auto == "x-auto-response-suppress"
    assert parse(base + b"Auto-Submitted: no\r\n\r\nhi").auto == ""
    own = b"From: a@example.com\r\nMessage-ID: <kizuna.1.2@example.jp>\r\n\r\nhi"
    assert parse(own, own_domains=["example.jp"]).auto == "loop: own message-id"
    assert parse(own).auto == ""


def test_a_delivery_status_notification_names_the_original_message_and_reason():
    mail = sample("bounce.eml")
    assert mail.auto
    (bounce,) = mail.bounce
    assert bounce.original_message_id == "<kizuna.42.2.def@example.jp>"
    assert (bounce.action, bounce.status, bounce.recipient) == ("failed", "5.1.1", "nobody@yamada-ss.co.jp")
    assert "User unknown" in bounce.diagnostic


def test_broken_mime_keeps_the_raw_mail_and_the_text():
    raw = (SAMPLES / "broken_mime.eml").read_bytes()
    mail = parse(raw)
    assert mail.subject == "壊れたメール"
    assert "本文はここにあります。" in mail.body_text
    assert mail.attachments[-1].filename == "original.eml" and mail.attachments[-1].content == raw
    assert any("MIME" in p for p in mail.problems)


def test_an_unknown_charset_is_guessed_with_replacement_and_the_raw_mail_kept():
    mail = sample("unknown_charset.eml")
    assert mail.subject == "謎の文字コード"
    assert mail.body_text.startswith("不明な文字コードで送られた本文です。")
    assert "\ufffd" in mail.body_text
    assert mail.attachments[-1].filename == "original.eml"
    assert mail.problems


def test_a_mail_without_message_id_gets_a_stable_one():
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nhello"
    assert parse(raw).message_id == parse(raw).message_id != parse(raw + b"!").message_id


@pytest.mark.parametrize("garbage", [b"", b"\x00\xff\xfe", b"Content-Type: multipart/mixed\r\n\r\n--", b"\r\n" * 5])
def test_garbage_never_raises(garbage):
    mail = parse(garbage)
    assert mail.message_id


def test_iso2022jp_round_trip_covers_every_cp932_character_with_a_jis_code():
    chars = []
    for s1 in [*range(0x81, 0xA0), *range(0xE0, 0xEF)]:
        for s2 in [*range(0x40, 0x7F), *range(0x80, 0xFD)]:
            with contextlib.suppress(UnicodeDecodeError):
                chars.append(bytes((s1, s2)).decode("cp932"))
    text = "".join(chars)
    assert "①" in text and "㈱" in text and "纊" in text
    assert charsets.decode_iso2022jp(charsets.encode_iso2022jp(text)) == text
    # Without NEC/IBM rows the C codec reads the text; it must read every character as the slow path does.
    plain = "".join(ch for ch in text if charsets.encode_iso2022jp(ch)[3] not in (0x2D, 0x79, 0x7A, 0x7B, 0x7C))
    encoded = charsets.encode_iso2022jp(plain)
    assert charsets.decode_iso2022jp(encoded) == charsets._decode_iso2022jp_slow(encoded, "strict") == plain
    assert charsets.encode_iso2022jp("こんにちは😀") is None  # the caller falls back to UTF-8
