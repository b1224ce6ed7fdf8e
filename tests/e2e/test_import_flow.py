"""An admin imports a Shift_JIS list exported from Excel: the wizard shows the decoded rows, the columns it
recognised and what would happen, before anything is written."""

from kizuna.contacts.models import Person
from tests.conftest import make_user
from tests.e2e.conftest import login, run_worker

LIST = (
    "顧客ID,氏名,フリガナ,会社名,電話番号,携帯電話,メールアドレス,住所\r\n"
    "K-1,髙橋 一郎 様,タカハシ イチロウ,㈱﨑山製作所,03-1234-5678,090-1111-2222,ichiro@sakiyama.co.jp,"
    "東京都千代田区千代田1-1\r\n"
    "K-2,山田 花子,ﾔﾏﾀﾞ ﾊﾅｺ,株式会社﨑山製作所,０３（１２３４）５６７８,,hanako@sakiyama.co.jp,\r\n"
    "K-3,佐藤 次郎,サトウ ジロウ,鈴木工業,03-12,,,\r\n"
)


def test_import_wizard(page, shot, transactional_db):
    make_user("kato", "admin", display_name="加藤 管理")
    login(page, "kato")
    page.click("nav.mainnav summary >> text=顧客")
    page.click("nav.mainnav >> text=インポート")
    page.set_input_files("input[name=file]", {"name": "顧客一覧.csv", "mimeType": "text/csv",
                                              "buffer": LIST.encode("cp932")})  # fmt: skip
    page.click("button:has-text('アップロードして確認')")
    page.wait_for_selector("#dry-run")
    text = page.inner_text("main")
    assert "髙橋 一郎" in text and "cp932" in text  # decoded correctly, encoding shown
    assert "3 行: 作成 3" in text and "03-12" in text  # the bad phone is reported on its row
    shot(page, "import-preview")
    assert not Person.objects.exists()
    page.click("button:has-text('インポートを開始')")
    run_worker()
    page.wait_for_selector("#import-progress:has-text('完了')")
    assert Person.objects.filter(family_name="髙橋", company__name="㈱﨑山製作所").exists()
