"""An app plugs its own rows into 開示 and 消去 through core.personal_data, without privacy knowing its tables."""

import pytest

from kizuna.core import personal_data
from kizuna.core.models import AuditEvent
from kizuna.privacy import services


@pytest.fixture
def notebook():
    """A stand-in for a new app's table about people: a note per person id, with its own audit rows."""
    notes = {}
    calls = {}

    def disclose(ids):
        return {"notebook": [{"person": i, "text": notes[i]} for i in ids if i in notes]}

    def audit(ids):
        return personal_data.audit_ids("notebook.note", ids), personal_data.audit_ids("notebook.mention", ids)

    def erase(actor, ids, scrub):
        calls["erase"] = list(ids)
        for i in ids:
            notes[i] = scrub(notes[i])
        return {"notebook_notes": len([i for i in ids if i in notes])}

    personal_data.register("notebook", disclose=disclose, audit=audit, erase=erase)
    yield notes, calls
    personal_data._SOURCES.pop("notebook")


def test_a_registered_source_is_disclosed_and_erased(cast, world, notebook):
    notes, calls = notebook
    tanaka = world.tanaka
    notes[tanaka.pk] = "田中 太郎さんの展示会メモ"
    AuditEvent.objects.create(actor=cast.admin, action="note.add", object_type="notebook.mention",
                              object_id=str(tanaka.pk), object_label="田中 太郎さんに言及", changes={})  # fmt: skip

    data = services.disclose(actor=cast.admin, person=tanaka, record=False)
    assert data["notebook"] == [{"person": tanaka.pk, "text": "田中 太郎さんの展示会メモ"}]
    assert data["activities"] and data["contact_points"]  # the built-in apps answer through the same hooks

    counts = services.erase(actor=cast.admin, person=tanaka, confirm=tanaka.pk)
    assert calls["erase"] == [tanaka.pk]
    assert counts["notebook_notes"] == 1
    assert "田中" not in notes[tanaka.pk]
    mention = AuditEvent.objects.get(object_type="notebook.mention")
    assert "田中" not in mention.object_label
