"""Business cards and e-mail signatures → the fields of a new person, for someone to confirm.

`read_card()` runs tesseract (jpn+eng, --psm 3) on a photo scaled so that card text has the glyph size the
Japanese model reads best; `parse_text()` finds the company, department, title, name and reading, phones,
e-mail, URL, postcode and address in the lines of a card or a signature.
"""

import io
import re
import shutil
import subprocess
import tempfile
import unicodedata

from kizuna.contacts.org import RANKS
from kizuna.core import japanese

CARD_WIDTHS = (660, 720)  # px across a card: where tesseract's jpn model read 9–15 pt card text best
_URL = re.compile(r"(?:https?://)?(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?")
_PHONE = re.compile(r"\+?\(?\d[\d\-()\s]{7,}\d")
_POSTCODE = re.compile(r"〒?\s*(\d{3})\s*-\s*(\d{4})")
_LEGAL = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|\(株\)|\(有\)|Co\.,?\s*Ltd|Inc\.|Corporation"
)
_DEPARTMENT = re.compile(r"(部|課|室|グループ|センター|本部|事業部|工場|支店|営業所|チーム|係)(\s|$)")
_KANA = re.compile(r"^[\u30a0-\u30ffー\u3040-\u309f\s]+$")
_CJK_NAME = re.compile(r"^[\u4e00-\u9fff\u3005\u3040-\u30ff]{1,5}\s?[\u4e00-\u9fff\u3005\u3040-\u30ff]{1,5}$")


_TITLES = [*RANKS, "マネージャー", "ディレクター", "代表取締役", "代表取締役社長", "主査", "技師", "担当者"]


class OcrUnavailable(RuntimeError):
    pass


def _tidy(line: str) -> str:
    """NFKC, and no spaces between two Japanese characters (OCR puts them there)."""
    line = japanese.nfkc(line).strip()
    return re.sub(r"(?<=[\u3040-\u30ff\u4e00-\u9fff])\s+(?=[\u3040-\u30ff\u4e00-\u9fff])", " ", line)


def _tesseract(picture) -> str:
    with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
        picture.save(tmp.name)
        done = subprocess.run(  # noqa: S603 (fixed program and options)
            ["tesseract", tmp.name, "stdout", "-l", "jpn+eng", "--psm", "3"],  # noqa: S607
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise OcrUnavailable(done.stderr.strip()[:200] or "OCR に失敗しました。")
    return done.stdout


def _japanese_chars(text: str) -> int:
    return sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")


def read_card(image: bytes) -> str:
    """OCR text of a card photo. The jpn model is sensitive to glyph size, so the card is read at a few widths
    and the reading with the most Japanese text wins (misreads come out as Latin noise). Raises
    OcrUnavailable when tesseract (jpn) is not installed."""
    from PIL import Image, ImageOps

    if not shutil.which("tesseract"):
        raise OcrUnavailable("tesseract が見つかりません（apt install tesseract-ocr tesseract-ocr-jpn）。")
    picture = ImageOps.exif_transpose(Image.open(io.BytesIO(image))).convert("L")
    readings = []
    for width in CARD_WIDTHS:
        scale = width / max(picture.width, picture.height)
        size = (round(picture.width * scale), round(picture.height * scale))
        readings.append(_tesseract(picture.resize(size, Image.LANCZOS)))
    return max(readings, key=_japanese_chars)


def _phones(line: str) -> list[dict]:
    """TEL 052-123-4567  FAX 052-123-4568 → the TEL only; 携帯 090-… → mobile."""
    out = []
    parts = re.split(r"(?i)(?=\b(?:tel|fax|mobile|携帯|電話|ファックス)\b|(?<=\s)(?:t|f|m)[.:])", line)
    for part in parts:
        lower = part.lower().strip()
        if lower.startswith(("fax", "ファックス", "f.", "f:")):
            continue
        for match in _PHONE.finditer(part):
            phone = japanese.parse_phone(match.group())
            if phone.valid:
                mobile = phone.is_mobile or lower.startswith(("携帯", "mobile", "m.", "m:"))
                out.append({"value": phone.national, "label": "mobile" if mobile else "office"})
    return out


def _split_title(line: str) -> tuple[str, str]:
    """'第一営業部課長' → ('第一営業部', '課長'); '営業部 部長' → ('営業部', '部長'); no title → (line, '')."""
    best = ""
    for word in _TITLES:
        if line.endswith(word) and len(word) > len(best):
            best = word
    return (line[: -len(best)].strip(), best) if best else (line, "")


def parse_text(text: str) -> dict:
    """Fields for the person form from the text of a card or a signature. Anything unsure is left empty."""
    lines = [t for t in (_tidy(raw) for raw in text.splitlines()) if t and not set(t) <= set("-=_*~・ ")]
    found: dict = {"phones": [], "emails": []}
    rest = []
    for line in lines:
        emails = japanese.find_emails(line)
        phones = _phones(line) if re.search(r"\d{2,4}[-)\s]\d{2,4}", line) and not emails else []
        postcode = _POSTCODE.search(line)
        if emails:
            found["emails"] += [e for e in emails if e not in found["emails"]]
        elif phones:
            found["phones"] += [p for p in phones if p not in found["phones"]]
        elif postcode:
            found["postcode"] = f"{postcode[1]}-{postcode[2]}"
            address = line[postcode.end() :].strip(" 　,")
            found["prefecture"], found["street"] = japanese.split_prefecture(address) if address else ("", "")
        elif not found.get("website") and _URL.fullmatch(line.replace(" ", "")) and "." in line:
            found["website"] = line.replace(" ", "")
        elif not found.get("company") and _LEGAL.search(line):
            found["company"] = line
        else:
            rest.append(line)
    for line in list(rest):
        department, title = _split_title(line)
        if title or _DEPARTMENT.search(line + " "):
            if title:
                found["title"] = title
            if department and _DEPARTMENT.search(department + " "):
                found["department"] = department
            rest.remove(line)
    names = [re.sub(r"\s*[(（].*?[)）]\s*", "", line).strip() for line in rest]
    kanji = [n for n in names if _CJK_NAME.match(n) and not _KANA.match(n)]
    kana = [n for n in names if _KANA.match(n) and len(n.replace(" ", "")) >= 2]
    if kanji:
        found["name"] = japanese.strip_honorific(kanji[0])
        if kana:
            found["reading"] = kana[0]
    elif kana:
        found["name"] = kana[0]
    if found.get("postcode") and not found.get("prefecture"):  # 〒 alone: Japan Post's data fills the address
        place = japanese.address_for_postcode(found["postcode"])
        if place:
            found["prefecture"], found["street"] = place[0], place[1] + place[2]
    fields = {key: found[key] for key in ("company", "department", "title", "postcode", "prefecture", "street")
              if found.get(key)}  # fmt: skip
    if found.get("name"):
        fields["family_name"], fields["given_name"] = japanese.split_full_name(found["name"])
    if found.get("reading"):
        kana = unicodedata.normalize("NFKC", found["reading"]).split()
        fields["family_name_kana"], fields["given_name_kana"] = (kana[0], kana[1] if len(kana) > 1 else "")
    for i, email in enumerate(found["emails"][:3]):
        fields[f"email_{i}"] = email
    for i, phone in enumerate(found["phones"][:3]):
        fields[f"phone_{i}"], fields[f"phone_label_{i}"] = phone["value"], phone["label"]
    if found.get("website"):
        fields["notes"] = found["website"]
    return fields
