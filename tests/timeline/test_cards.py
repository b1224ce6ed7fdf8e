"""Business cards rendered by the test itself (PIL + Noto CJK), read by tesseract, parsed, confirmed, saved
with the photo attached; and e-mail signatures pasted as text. Field-level accuracy is measured."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kizuna.contacts.models import Company, Person
from kizuna.timeline.cards import parse_text, read_card

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
needs_ocr = pytest.mark.skipif(not (shutil.which("tesseract") and FONT.exists()),
                               reason="tesseract-ocr-jpn and fonts-noto-cjk install with `make test`")  # fmt: skip

CARDS = [
    {"company": "株式会社山田製作所", "department": "購買部", "title": "部長", "family_name": "田中",
     "given_name": "太郎", "family_name_kana": "タナカ", "given_name_kana": "タロウ", "postcode": "100-0001",
     "prefecture": "東京都", "phone_0": "03-1234-5678", "phone_1": "090-1111-2222",
     "email_0": "taro.tanaka@yamada-ss.co.jp"},
    {"company": "鈴木工業株式会社", "department": "品質保証部", "title": "課長", "family_name": "佐藤",
     "given_name": "花子", "family_name_kana": "サトウ", "given_name_kana": "ハナコ", "postcode": "460-0008",
     "prefecture": "愛知県", "phone_0": "052-123-4567", "phone_1": "080-3333-4444",
     "email_0": "h-sato@suzuki-kogyo.jp"},
    {"company": "有限会社中村電機", "department": "営業部", "title": "主任", "family_name": "中村",
     "given_name": "健一", "family_name_kana": "ナカムラ", "given_name_kana": "ケンイチ", "postcode": "530-0001",
     "prefecture": "大阪府", "phone_0": "06-6123-4567", "phone_1": "070-5555-6666",
     "email_0": "k.nakamura@nakamura-denki.com"},
]  # fmt: skip


def render(card: dict) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    lines = [(card["company"], 40), (f"{card['department']} {card['title']}", 30),
             (f"{card['family_name']} {card['given_name']}", 64),
             (f"{card['family_name_kana']} {card['given_name_kana']}", 28),
             (f"〒{card['postcode']} {card['prefecture']}中央区1-2-3", 26),
             (f"TEL {card['phone_0']}  FAX 03-0000-0000", 26), (f"携帯 {card['phone_1']}", 26),
             (card["email_0"], 26)]  # fmt: skip
    image = Image.new("L", (1063, 638), 255)  # 91 × 55 mm at 300 dpi
    draw, y = ImageDraw.Draw(image), 40
    for text, size in lines:
        draw.text((60, y), text, font=ImageFont.truetype(str(FONT), size), fill=0)
        y += int(size * 1.5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@needs_ocr
def test_card_field_accuracy():
    right = total = 0
    for card in CARDS:
        fields = parse_text(read_card(render(card)))
        for key, expected in card.items():
            total += 1
            right += fields.get(key, "").replace(" ", "") == expected.replace(" ", "")
    accuracy = right / total
    print(f"card field accuracy: {right}/{total} = {accuracy:.0%}")
    assert accuracy >= 0.8


def test_signature_text():
    signature = (
        "--\n株式会社山田製作所\n購買部 部長\n山田 太郎 (Taro Yamada)\n〒100-0001 東京都千代田区千代田1-1\n"
        "TEL: 03-1234-5678 / Mobile: 090-8765-4321\nEmail: taro.yamada@yamada.co.jp\n"
    )
    fields = parse_text(signature)
    assert fields["company"] == "株式会社山田製作所" and fields["department"] == "購買部" and fields["title"] == "部長"
    assert (fields["family_name"], fields["given_name"]) == ("山田", "太郎")
    assert fields["phone_0"] == "03-1234-5678" and fields["phone_label_1"] == "mobile"
    assert fields["email_0"] == "taro.yamada@yamada.co.jp" and fields["prefecture"] == "東京都"


@needs_ocr
def test_card_flow_prefills_confirms_and_keeps_the_photo(cast, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(cast.owner)
    page = client.post("/timeline/cards/new/", {"images": SimpleUploadedFile("card.png", render(CARDS[0]))})
    html = page.content.decode()
    assert 'value="田中"' in html and "taro.tanaka@yamada-ss.co.jp" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    form = {
        "step": "save", "token": token, "family_name": "田中", "given_name": "太郎", "family_name_kana": "タナカ",
        "company": "株式会社山田製作所", "title": "部長", "email_0": "taro.tanaka@yamada-ss.co.jp",
        "email_label_0": "work", "phone_0": "090-1111-2222", "lifecycle_stage": "lead", "visibility": "team",
    }  # fmt: skip
    refused = client.post("/timeline/cards/new/", {**form, "family_name": ""})  # a name is required
    assert refused.status_code == 200 and 'value="株式会社山田製作所"' in refused.content.decode()
    assert not Company.objects.exists()  # the card's new company waits for the person's save
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/timeline/cards/new/", form)
    assert response.status_code == 302
    assert not list((tmp_path / "pending").iterdir())  # the photo now lives on as the person's attachment
    person = Person.objects.get()
    assert person.company == Company.objects.get(name="株式会社山田製作所")  # registered with the person
    assert person.attachments.get().content_type == "image/png"


def test_a_postcode_alone_fills_the_address():
    fields = parse_text("株式会社山田製作所\n山田 太郎\n〒460-0008\nTEL 052-123-4567")
    assert (fields["prefecture"], fields["street"]) == ("愛知県", "名古屋市中区栄")


def test_a_card_keeps_an_address_with_a_japanese_local_part_or_domain():
    fields = parse_text("株式会社新星\n岩崎 一郎\nイワサキ37@新星.example.co.jp")
    assert fields["email_0"] == "イワサキ37@新星.example.co.jp"
