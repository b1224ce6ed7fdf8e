# ruff: noqa: E501 - rows are written as each product lays them out
"""Writes the export files of the systems people move from, in each product's own layout (column names, order,
encoding, quoting, line endings). Run it to rebuild them: `python tests/imports/files/make_fixtures.py`.

The people, companies, numbers and addresses are made up; the layouts are the products':
- google_contacts.csv: Google Contacts "Google CSV" (the layout since 2023): UTF-8, comma, quoted only where
  needed, ` ::: ` between several values of one kind, `* ` before the primary value's label.
- google_outlook.csv: Google Contacts' older "Outlook CSV" export: UTF-16LE with a BOM, Outlook's English
  columns, `0/0/00` for an empty birthday.
- excel_unicode.txt: Excel's "Unicode テキスト" save: UTF-16LE with a BOM, tabs, CRLF, quotes only around cells
  holding a tab, a quote or a line break.
- outlook_unicode.txt: a tab-separated Outlook list written as UTF-16LE without a BOM.
- outlook_ja.csv: Outlook (Japanese) "Comma Separated Values" export: CP932, every cell quoted, CRLF,
  肩書き (Outlook's Title: 敬称 such as 博士) before 役職 (Job Title), `0/0/00` / `00/0/0` for no birthday.
- sansan.csv: Sansan's card list export: CP932, every cell quoted, CRLF, a line break inside a quoted cell.
- eight.csv: Eight's card export: UTF-8 with a BOM, quoted where needed; one row as another tool re-saved it,
  with an unquoted line break in the address.
- apple.vcf: macOS/iOS Contacts vCard 3.0 (UTF-8): item groups with X-ABLabel, a company card
  (X-ABShowAs:COMPANY), extensions written `,210` and `;ext=305`.
- android_sjis.vcf: a Japanese Android phone's vCard 2.1 (SHIFT_JIS quoted-printable, CRLF): one card whose
  values say CHARSET=SHIFT_JIS but are UTF-8, a card without N (a company), and the file cut off in the middle
  of the last card.
- feature_phone_sjis.vcf: a feature phone's vCard 2.1 with raw Shift_JIS bytes (CHARSET=SHIFT_JIS, no
  quoted-printable), cut off in the middle of a two-byte character.
- title_rows.xlsx: an Excel list with a merged title row, a date line and merged group headings above the header.
"""

import codecs
import csv
import io
import quopri
from pathlib import Path

HERE = Path(__file__).parent


def _csv(rows, *, quoting=csv.QUOTE_MINIMAL, delimiter=",", lineterminator="\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, quoting=quoting, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return out.getvalue()


# --- Google Contacts (Google CSV, current layout) ------------------------------------------------------------
GOOGLE_HEADER = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name",
    "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name", "Organization Title",
    "Organization Department", "Birthday", "Notes", "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
    "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
    "Phone 2 - Value", "Phone 3 - Label", "Phone 3 - Value", "Phone 4 - Label", "Phone 4 - Value",
    "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City", "Address 1 - PO Box",
    "Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Extended Address",
    "Website 1 - Label", "Website 1 - Value",
]  # fmt: skip


def _google_row(**values) -> list[str]:
    return [values.get(h, "") for h in GOOGLE_HEADER]


GOOGLE_ROWS = [
    _google_row(**{
        "First Name": "一郎", "Last Name": "髙橋", "Phonetic First Name": "イチロウ", "Phonetic Last Name": "タカハシ",
        "Organization Name": "株式会社山田製作所", "Organization Title": "営業部長", "Organization Department": "営業部",
        "Birthday": "1975-05-03", "Notes": "展示会で名刺交換", "Labels": "取引先 ::: * myContacts",
        "E-mail 1 - Label": "* Work", "E-mail 1 - Value": "ichiro.takahashi@yamada-ss.co.jp",
        "E-mail 2 - Label": "Home", "E-mail 2 - Value": "ichiro.t@example.ne.jp",
        "Phone 1 - Label": "Work", "Phone 1 - Value": "03-3211-4567",
        "Phone 2 - Label": "Mobile", "Phone 2 - Value": "090-1234-5678 ::: 080-2345-6789",
        "Phone 3 - Label": "Work Fax", "Phone 3 - Value": "03-3211-4568",
        "Phone 4 - Label": "直通", "Phone 4 - Value": "03-3211-4570",
        "Address 1 - Label": "Work",
        "Address 1 - Formatted": "〒100-0005\n東京都千代田区\n丸の内1-1-1\nパレスビル5階\n日本",
        "Address 1 - Street": "丸の内1-1-1", "Address 1 - City": "千代田区", "Address 1 - Region": "東京都",
        "Address 1 - Postal Code": "100-0005", "Address 1 - Country": "日本",
        "Address 1 - Extended Address": "パレスビル5階",
        "Website 1 - Label": "Work", "Website 1 - Value": "https://www.yamada-ss.co.jp/",
    }),
    _google_row(**{
        "First Name": "花子", "Last Name": "佐藤", "Phonetic First Name": "ハナコ", "Phonetic Last Name": "サトウ",
        "Organization Name": "鈴木工業株式会社", "Organization Title": "主任", "Organization Department": "購買課",
        "Labels": "* myContacts",
        "E-mail 1 - Label": "* Other", "E-mail 1 - Value": "hanako.sato@suzuki-kogyo.example.jp",
        "Phone 1 - Label": "* Mobile", "Phone 1 - Value": "070-1111-2222",
        "Phone 2 - Label": "Home", "Phone 2 - Value": "045-623-4567",
        "Address 1 - Label": "Work", "Address 1 - Formatted": "神奈川県横浜市中区山下町1-2 山下ビル3F",
    }),
    _google_row(**{
        "First Name": "健", "Last Name": "中村", "Organization Name": "有限会社中村商店", "Organization Title": "代表取締役",
        "Labels": "* myContacts ::: 仕入先",
        "E-mail 1 - Label": "Work", "E-mail 1 - Value": "ken@nakamura-shoten.example.jp ::: info@nakamura-shoten.example.jp",
        "Phone 1 - Label": "Main", "Phone 1 - Value": "06-6345-1200",
        "Phone 2 - Label": "Work", "Phone 2 - Value": "06-6345-1201 ::: 06-6345-1202",
        "Address 1 - Label": "Work", "Address 1 - Street": "梅田2-4-9", "Address 1 - City": "大阪市北区",
        "Address 1 - Region": "大阪府", "Address 1 - Postal Code": "530-0001", "Address 1 - Country": "JP",
    }),
    _google_row(**{  # a company saved as a contact: only the organization
        "Organization Name": "株式会社東海精機", "Labels": "* myContacts",
        "Phone 1 - Label": "Work", "Phone 1 - Value": "052-211-3300",
        "Address 1 - Label": "Work", "Address 1 - Street": "錦3-1-1", "Address 1 - City": "名古屋市中区",
        "Address 1 - Region": "愛知県", "Address 1 - Postal Code": "460-0003",
        "Website 1 - Label": "", "Website 1 - Value": "https://www.tokai-seiki.example.jp/",
    }),
]  # fmt: skip


# --- Outlook (English columns): Google's older "Outlook CSV" ---------------------------------------------------
OUTLOOK_EN_HEADER = [
    "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Initials", "Web Page", "Gender", "Birthday",
    "Anniversary", "Location", "Language", "Internet Free Busy", "Notes", "E-mail Address", "E-mail 2 Address",
    "E-mail 3 Address", "Primary Phone", "Home Phone", "Home Phone 2", "Mobile Phone", "Pager", "Home Fax",
    "Home Address", "Home Street", "Home Street 2", "Home Street 3", "Home Address PO Box", "Home City",
    "Home State", "Home Postal Code", "Home Country", "Spouse", "Children", "Manager's Name", "Assistant's Name",
    "Referred By", "Company Main Phone", "Business Phone", "Business Phone 2", "Business Fax", "Assistant's Phone",
    "Company", "Job Title", "Department", "Office Location", "Organizational ID Number", "Profession", "Account",
    "Business Address", "Business Street", "Business Street 2", "Business Street 3", "Business Address PO Box",
    "Business City", "Business State", "Business Postal Code", "Business Country", "Other Phone", "Other Fax",
    "Other Address", "Other Street", "Other Street 2", "Other Street 3", "Other Address PO Box", "Other City",
    "Other State", "Other Postal Code", "Other Country", "Callback", "Car Phone", "ISDN", "Radio Phone",
    "TTY/TDD Phone", "Telex", "User 1", "User 2", "User 3", "User 4", "Keywords", "Mileage", "Hobby",
    "Billing Information", "Directory Server", "Sensitivity", "Priority", "Private", "Categories",
]  # fmt: skip


def _outlook_en_row(**values) -> list[str]:
    return [values.get(h, "") for h in OUTLOOK_EN_HEADER]


GOOGLE_OUTLOOK_ROWS = [
    _outlook_en_row(**{
        "First Name": "誠", "Last Name": "北村", "Title": "Dr.", "Birthday": "0/0/00",
        "E-mail Address": "makoto.kitamura@hokuriku-denki.example.jp", "E-mail 2 Address": "m.kitamura@example.com",
        "Mobile Phone": "080-3333-4444", "Company Main Phone": "076-221-5000", "Business Phone": "076-221-5010",
        "Business Fax": "076-221-5011", "Company": "北陸電機株式会社", "Job Title": "技術部 課長", "Department": "技術部",
        "Business Street": "広岡1-5-3", "Business City": "金沢市", "Business State": "石川県",
        "Business Postal Code": "920-0031", "Business Country": "日本", "Categories": "取引先 ::: * myContacts",
    }),
    _outlook_en_row(**{
        "First Name": "Emily", "Last Name": "Clark", "Title": "Ms.", "Birthday": "3/14/1985",
        "E-mail Address": "emily.clark@example.com", "Business Phone": "+1 650-253-0000",
        "Home Phone": "03-5555-0101", "Company": "Example Trading LLC", "Job Title": "Procurement Manager",
        "Business Street": "1600 Amphitheatre Pkwy", "Business City": "Mountain View", "Business State": "CA",
        "Business Postal Code": "94043", "Business Country": "United States",
    }),
]  # fmt: skip


# --- Excel "Unicode text" (and a BOM-less UTF-16 tab file) ----------------------------------------------------
EXCEL_HEADER = ["顧客ID", "氏名", "フリガナ", "会社名", "部署", "役職", "電話番号", "携帯電話", "FAX", "メールアドレス",
                "郵便番号", "住所"]  # fmt: skip
EXCEL_ROWS = [
    ["K-101", "松本 美咲", "マツモト ミサキ", "株式会社北斗物産", "総務部", "係長", "011-231-4455", "090-5555-6666",
     "011-231-4456", "misaki.matsumoto@hokuto-bussan.example.jp", "060-0001", "北海道札幌市中央区北1条西2-1"],
    ["K-102", "井上 翔太", "イノウエ ショウタ", "九州機工株式会社", "営業部\t第二課", "主任", "092-711-2233", "",
     "", "shota.inoue@kyushu-kiko.example.jp", "810-0001", '福岡県福岡市中央区天神1-1-1 "天神ビル"'],
]  # fmt: skip
OUTLOOK_TAB_HEADER = ["姓", "名", "会社名", "役職", "会社電話", "携帯電話", "電子メール アドレス", "会社 郵便番号",
                      "会社 都道府県", "会社 市区町村", "会社 番地"]  # fmt: skip
OUTLOOK_TAB_ROWS = [
    ["林", "由美", "株式会社中国化学", "課長代理", "082-248-1100", "080-7777-8888", "yumi.hayashi@chugoku-kagaku.example.jp",
     "730-0011", "広島県", "広島市中区", "基町10-52"],
]  # fmt: skip


# --- Outlook (Japanese) CSV ----------------------------------------------------------------------------------
OUTLOOK_JA_HEADER = [
    "肩書き", "名", "ミドル ネーム", "姓", "敬称", "会社名", "部署", "役職", "会社 番地", "会社 番地 2", "会社 番地 3",
    "会社 市区町村", "会社 都道府県", "会社 郵便番号", "会社 国/地域", "自宅 番地", "自宅 番地 2", "自宅 番地 3",
    "自宅 市区町村", "自宅 都道府県", "自宅 郵便番号", "自宅 国/地域", "アシスタントの電話", "会社 FAX", "会社電話",
    "会社電話 2", "コールバック", "自動車電話", "代表電話", "自宅 FAX", "自宅電話", "自宅電話 2", "ISDN", "携帯電話",
    "その他の FAX", "その他の電話", "ポケットベル", "無線電話", "TTY/TDD 電話", "テレックス", "アカウント", "記念日",
    "アシスタント名", "請求先情報", "誕生日", "分類", "子供", "ディレクトリ サーバー", "電子メール アドレス",
    "電子メール 種類", "電子メール 表示名", "電子メール 2 アドレス", "電子メール 2 種類", "電子メール 2 表示名",
    "電子メール 3 アドレス", "電子メール 3 種類", "電子メール 3 表示名", "性別", "政府 ID 番号", "趣味", "イニシャル",
    "インターネット空き時間情報", "キーワード", "言語", "場所", "上司名", "メモ", "勤務先", "組織 ID 番号", "優先度",
    "非公開", "職業", "紹介者", "秘密度", "配偶者", "ユーザー 1", "ユーザー 2", "ユーザー 3", "ユーザー 4", "Web ページ",
    "名前フリガナ", "姓フリガナ", "会社名フリガナ",
]  # fmt: skip


def _outlook_ja_row(**values) -> list[str]:
    return [values.get(h, "") for h in OUTLOOK_JA_HEADER]


OUTLOOK_JA_ROWS = [
    _outlook_ja_row(**{
        "肩書き": "工学博士", "名": "直樹", "姓": "渡邉", "会社名": "株式会社東京精工", "部署": "開発本部", "役職": "本部長",
        "会社 番地": "芝公園4-2-8", "会社 番地 2": "芝公園ビル12階", "会社 市区町村": "港区", "会社 都道府県": "東京都",
        "会社 郵便番号": "105-0011", "会社 国/地域": "日本", "会社 FAX": "03-5403-2001", "会社電話": "03-5403-2000",
        "代表電話": "03-5403-1000", "携帯電話": "090-8765-4321", "誕生日": "0/0/00",
        "電子メール アドレス": "naoki.watanabe@tokyo-seiko.example.jp", "電子メール 種類": "SMTP",
        "電子メール 表示名": "渡邉 直樹 (naoki.watanabe@tokyo-seiko.example.jp)",
        "電子メール 2 アドレス": "n.watanabe@example.ne.jp", "電子メール 2 種類": "SMTP",
        "電子メール 2 表示名": "n.watanabe@example.ne.jp", "性別": "未指定", "優先度": "標準", "非公開": "False",
        "秘密度": "標準", "名前フリガナ": "ナオキ", "姓フリガナ": "ワタナベ", "会社名フリガナ": "トウキョウセイコウ",
        "Web ページ": "https://www.tokyo-seiko.example.jp/", "分類": "重要顧客",
    }),
    _outlook_ja_row(**{
        "名": "真理子", "姓": "小林", "会社名": "関西物流株式会社", "部署": "業務部", "役職": "課長",
        "会社 番地": "本町3-5-7", "会社 市区町村": "大阪市中央区", "会社 都道府県": "大阪府", "会社 郵便番号": "541-0053",
        "会社 FAX": "06-6261-3301", "会社電話": "06-6261-3300", "携帯電話": "080-1212-3434", "誕生日": "00/0/0",
        "電子メール アドレス": "mariko.kobayashi@kansai-butsuryu.example.jp", "電子メール 種類": "SMTP",
        "名前フリガナ": "マリコ", "姓フリガナ": "コバヤシ", "性別": "未指定", "優先度": "標準", "非公開": "False",
        "秘密度": "標準",
    }),
    _outlook_ja_row(**{
        "肩書き": "様", "名": "雄一", "姓": "石川", "会社名": "石川工務店", "役職": "代表",
        "会社電話": "0776-22-1234", "携帯電話": "070-9999-0000", "誕生日": "1968/11/23",
        "電子メール アドレス": "yuichi@ishikawa-koumuten.example.jp", "電子メール 種類": "SMTP",
        "名前フリガナ": "ユウイチ", "姓フリガナ": "イシカワ", "性別": "男性", "優先度": "標準", "非公開": "False",
        "秘密度": "標準",
    }),
]  # fmt: skip


# --- Sansan and Eight ----------------------------------------------------------------------------------------
SANSAN_HEADER = ["名刺ID", "会社名", "部署名", "役職", "姓", "名", "セイ", "メイ", "E-mail", "郵便番号", "住所",
                 "TEL会社", "TEL部門", "TEL直通", "FAX", "携帯電話", "URL", "名刺交換日", "所有者"]  # fmt: skip
SANSAN_ROWS = [
    ["S0001", "株式会社山田製作所", "営業本部\n第一営業部", "課長", "山本", "大輔", "ヤマモト", "ダイスケ",
     "daisuke.yamamoto@yamada-ss.co.jp", "100-0005", "東京都千代田区丸の内1-1-1\nパレスビル5階", "03-3211-4500",
     "03-3211-4560", "03-3211-4561", "03-3211-4568", "090-2468-1357", "https://www.yamada-ss.co.jp/",
     "2024/04/15", "田中 一郎"],
    ["S0002", "日本通信機器株式会社", "調達部", "部長代理", "加藤", "恵子", "カトウ", "ケイコ",
     "keiko.kato@nippon-tsushin.example.jp", "220-0012", "神奈川県横浜市西区みなとみらい2-2-1", "045-222-1000",
     "", "045-222-1055(内線255)", "045-222-1001", "", "https://www.nippon-tsushin.example.jp/", "2023/11/02",
     "田中 一郎"],
]  # fmt: skip
EIGHT_HEADER = ["会社名", "部署名", "役職", "姓", "名", "e-mail", "郵便番号", "住所", "TEL会社", "TEL部門", "TEL直通",
                "Fax", "携帯電話", "URL", "名刺交換日", "展示会2024"]  # fmt: skip
EIGHT_ROWS = [
    ["東北精密株式会社", "品質保証部", "主査", "佐々木", "亮", "ryo.sasaki@tohoku-seimitsu.example.jp", "980-0811",
     "宮城県仙台市青葉区一番町1-1-1", "022-211-7000", "022-211-7010", "", "022-211-7001", "080-5656-7878",
     "https://www.tohoku-seimitsu.example.jp/", "2024/02/20", "1"],
    ["四国食品株式会社", "商品開発部", "マネージャー", "高田", "実", "minoru.takata@shikoku-foods.example.jp",
     "760-0019", "香川県高松市サンポート2-1\n高松シンボルタワー", "087-811-2000", "", "087-811-2050", "", "",
     "https://www.shikoku-foods.example.jp/", "2024/03/05", ""],
]  # fmt: skip
# The same kind of row as another tool wrote it back: the line break in 住所 without quotes.
EIGHT_BROKEN = (
    "北陸建材株式会社,資材部,係長,森,和也,kazuya.mori@hokuriku-kenzai.example.jp,930-0001,"
    "富山県富山市明輪町1-1\r\n富山駅前ビル,076-444-1000,,,076-444-1001,090-1010-2020,"
    "https://www.hokuriku-kenzai.example.jp/,2024/01/10,\r\n"
)


# --- vCard ---------------------------------------------------------------------------------------------------
APPLE_VCF = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//macOS 14.4.1//EN
N:髙橋;一郎;;;
FN:髙橋 一郎
X-PHONETIC-FIRST-NAME:イチロウ
X-PHONETIC-LAST-NAME:タカハシ
ORG:株式会社山田製作所;営業部;
TITLE:営業部長
EMAIL;type=INTERNET;type=WORK;type=pref:ichiro.takahashi@yamada-ss.co.jp
EMAIL;type=INTERNET;type=HOME:ichiro.t@example.ne.jp
TEL;type=WORK;type=VOICE;type=pref:03-3211-4567,210
TEL;type=CELL;type=VOICE:090-1234-5678
item1.TEL:03-3211-4570;ext=305
item1.X-ABLabel:直通
TEL;type=WORK;type=FAX:03-3211-4568
item2.ADR;type=WORK;type=pref:;;丸の内1-1-1 パレスビル5階;千代田区;東京都;100-0005;日本
item2.X-ABADR:jp
item3.URL;type=pref:https://www.yamada-ss.co.jp/
item3.X-ABLabel:_$!<HomePage>!$_
END:VCARD
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//macOS 14.4.1//EN
N:;;;;
FN:株式会社山田製作所
ORG:株式会社山田製作所;
TEL;type=WORK;type=VOICE;type=pref:03-3211-4500
item1.ADR;type=WORK;type=pref:;;丸の内1-1-1;千代田区;東京都;100-0005;日本
item1.X-ABADR:jp
item2.URL;type=pref:https://www.yamada-ss.co.jp/
item2.X-ABLabel:_$!<HomePage>!$_
X-ABShowAs:COMPANY
END:VCARD
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.4//EN
N:藤井;千尋;;;
FN:藤井 千尋
ORG:株式会社さくら電子;
TITLE:営業
TEL;type=WORK;type=VOICE:052-963-1000 内線210
TEL;type=IPHONE;type=CELL;type=VOICE:080-1357-2468
item1.TEL:052-963-1099
item1.X-ABLabel:_$!<WorkFAX>!$_
EMAIL;type=INTERNET;type=WORK:chihiro.fujii@sakura-denshi.example.jp
END:VCARD
"""


def _qp(text: str, charset: str) -> str:
    return quopri.encodestring(text.encode(charset)).decode("ascii").replace("=\n", "=\r\n")


def _android_card(lines: list[str]) -> str:
    return "BEGIN:VCARD\r\nVERSION:2.1\r\n" + "".join(line + "\r\n" for line in lines) + "END:VCARD\r\n"


def android_vcf() -> bytes:
    sjis = "CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE"
    cards = [
        _android_card(
            [
                f"N;{sjis}:{_qp('岡田', 'cp932')};{_qp('裕子', 'cp932')};;;",
                f"FN;{sjis}:{_qp('岡田 裕子', 'cp932')}",
                f"X-PHONETIC-LAST-NAME;{sjis}:{_qp('オカダ', 'cp932')}",
                f"X-PHONETIC-FIRST-NAME;{sjis}:{_qp('ユウコ', 'cp932')}",
                f"ORG;{sjis}:{_qp('株式会社中部計装', 'cp932')}",
                f"TITLE;{sjis}:{_qp('係長', 'cp932')}",
                "TEL;CELL:09024681111",
                "TEL;WORK:0529611234,210",
                "EMAIL;INTERNET:yuko.okada@chubu-keisou.example.jp",
            ]
        ),
        _android_card(
            [  # says SHIFT_JIS, is UTF-8 (written by an app that ignored the setting)
                f"N;{sjis}:{_qp('長谷川', 'utf-8')};{_qp('聡', 'utf-8')};;;",
                f"FN;{sjis}:{_qp('長谷川 聡', 'utf-8')}",
                f"ORG;{sjis}:{_qp('京都電装株式会社', 'utf-8')}",
                f"TITLE;{sjis}:{_qp('主任', 'utf-8')}",
                "TEL;WORK:075-211-3000",
                "EMAIL;INTERNET:satoshi.hasegawa@kyoto-densou.example.jp",
            ]
        ),
        _android_card(
            [  # no N: the company itself
                f"FN;{sjis}:{_qp('有限会社鈴木商店', 'cp932')}",
                f"ORG;{sjis}:{_qp('有限会社鈴木商店', 'cp932')}",
                "TEL;WORK:0436-22-5500",
                f"ADR;WORK;{sjis}:;;{_qp('五井中央東1-1-1', 'cp932')};{_qp('市原市', 'cp932')};{_qp('千葉県', 'cp932')};"
                "290-0054;",
            ]
        ),
    ]
    truncated = _android_card(
        [
            f"N;{sjis}:{_qp('青木', 'cp932')};{_qp('光', 'cp932')};;;",
            "TEL;CELL:08055557777",
        ]
    )
    cut = truncated[: truncated.index("TEL;CELL:") + len("TEL;CELL:08055")]  # the transfer stopped here
    return ("".join(cards) + cut).encode("ascii")


def feature_phone_vcf() -> bytes:
    cards = [
        _android_card(
            [
                "N;CHARSET=SHIFT_JIS:前田;健太;;;",
                "SOUND;X-IRMC-N;CHARSET=SHIFT_JIS:ﾏｴﾀﾞ;ｹﾝﾀ;;;",
                "TEL;CELL:090-4444-5555",
                "TEL;WORK;VOICE:06-6120-3300",
                "EMAIL;INTERNET:kenta.maeda@example.ne.jp",
                "ORG;CHARSET=SHIFT_JIS:株式会社浪速興業",
                "TITLE;CHARSET=SHIFT_JIS:営業課長",
            ]
        ),
        _android_card(
            [
                "N;CHARSET=SHIFT_JIS:西村;綾;;;",
                "TEL;CELL:080-6666-1234",
                "ADR;HOME;CHARSET=SHIFT_JIS:;;本町2-3-4;堺市堺区;大阪府;590-0000;",
            ]
        ),
    ]
    data = "".join(cards).encode("cp932")
    last = _android_card(["N;CHARSET=SHIFT_JIS:川口;隆;;;", "TEL;CELL:070-2222-3333"]).encode("cp932")
    return data + last[: last.index("隆".encode("cp932")) + 1]  # the first byte of 隆 only


# --- Excel with a title above the header ---------------------------------------------------------------------
XLSX_HEADER = ["No.", "氏名", "フリガナ", "会社名", "部署", "役職", "電話番号", "携帯電話", "メールアドレス", "住所"]
XLSX_ROWS = [
    [1, "山田太郎", "ヤマダタロウ", "株式会社関東製作所", "製造部", "工場長", "048-641-1111", "090-3030-4040",
     "taro.yamada@kanto-ss.example.jp", "埼玉県さいたま市大宮区桜木町1-7-5"],
    [2, "鍵屋一二三", "カギヤヒフミ", "鍵屋金物店", "", "店主", 486412222, "", "hifumi@kagiya.example.jp",
     "埼玉県川越市元町1-3-1"],
    [3, "鈴木 恵", "スズキ メグミ", "株式会社関東製作所", "総務部", "部長", "048-641-1112", "",
     "megumi.suzuki@kanto-ss.example.jp", "埼玉県さいたま市大宮区桜木町1-7-5"],
]  # fmt: skip


def title_rows_xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "取引先担当者"
    sheet["A1"] = "取引先担当者一覧"
    sheet.merge_cells("A1:J1")
    sheet["H2"] = "2024年4月1日現在"
    sheet["A3"] = "基本情報"
    sheet.merge_cells("A3:F3")
    sheet["G3"] = "連絡先"
    sheet.merge_cells("G3:J3")
    sheet.append(XLSX_HEADER)
    for row in XLSX_ROWS:
        sheet.append(row)
    book.properties.creator = "営業部"
    book.save(path)


def main() -> None:
    (HERE / "google_contacts.csv").write_bytes(_csv([GOOGLE_HEADER, *GOOGLE_ROWS], lineterminator="\n").encode())
    (HERE / "google_outlook.csv").write_bytes(
        codecs.BOM_UTF16_LE + _csv([OUTLOOK_EN_HEADER, *GOOGLE_OUTLOOK_ROWS]).encode("utf-16-le")
    )
    (HERE / "excel_unicode.txt").write_bytes(
        codecs.BOM_UTF16_LE + _csv([EXCEL_HEADER, *EXCEL_ROWS], delimiter="\t").encode("utf-16-le")
    )
    (HERE / "outlook_unicode.txt").write_bytes(
        _csv([OUTLOOK_TAB_HEADER, *OUTLOOK_TAB_ROWS], delimiter="\t").encode("utf-16-le")
    )
    (HERE / "outlook_ja.csv").write_bytes(
        _csv([OUTLOOK_JA_HEADER, *OUTLOOK_JA_ROWS], quoting=csv.QUOTE_ALL).encode("cp932")
    )
    (HERE / "sansan.csv").write_bytes(_csv([SANSAN_HEADER, *SANSAN_ROWS], quoting=csv.QUOTE_ALL).encode("cp932"))
    (HERE / "eight.csv").write_bytes(
        codecs.BOM_UTF8 + (_csv([EIGHT_HEADER, EIGHT_ROWS[0]]) + EIGHT_BROKEN + _csv([EIGHT_ROWS[1]])).encode()
    )
    (HERE / "apple.vcf").write_bytes(APPLE_VCF.replace("\n", "\r\n").encode())
    (HERE / "android_sjis.vcf").write_bytes(android_vcf())
    (HERE / "feature_phone_sjis.vcf").write_bytes(feature_phone_vcf())
    title_rows_xlsx(HERE / "title_rows.xlsx")


if __name__ == "__main__":
    main()
