"""設定 → パイプライン: administrators add and edit a team's stages; bad rows are refused with the reason."""

from django.test import Client

from kizuna.sales.models import Pipeline


def login(user):
    client = Client()
    client.force_login(user)
    return client


def rows(*stages):
    data = {"stage_id": [], "stage_name": [], "stage_probability": [], "stage_kind": []}
    for pk, name, probability, kind in stages:
        for key, value in zip(data, (pk, name, probability, kind), strict=True):
            data[key].append(value)
    return data


def test_admin_adds_a_team_pipeline_and_renames_a_stage(cast):
    client = login(cast.admin)
    assert "標準（製造業B2B）" in client.get("/sales/pipelines/").content.decode()
    response = client.post(
        "/sales/pipelines/new/",
        {
            "name": "保守",
            "team": cast.team_a.pk,
            **rows(
                ("", "更新案内", "30", "open"),
                ("", "受注", "100", "won"),
                ("", "失注", "0", "lost"),
                ("", "", "", "open"),
            ),
        },
    )
    assert response.status_code == 302
    pipeline = Pipeline.objects.get(name="保守")
    assert [s.name for s in pipeline.stages.all()] == ["更新案内", "受注", "失注"] and pipeline.team == cast.team_a
    ids = [str(s.pk) for s in pipeline.stages.all()]
    response = client.post(
        f"/sales/pipelines/{pipeline.pk}/",
        {
            "name": "保守",
            "version": pipeline.version,
            **rows(
                (ids[0], "更新のご案内", "35", "open"), (ids[1], "受注", "100", "won"), (ids[2], "失注", "0", "lost")
            ),
        },
    )
    assert response.status_code == 302
    assert pipeline.stages.get(pk=ids[0]).name == "更新のご案内"


def test_a_pipeline_without_a_lost_stage_is_refused(cast):
    response = login(cast.admin).post(
        "/sales/pipelines/new/", {"name": "不完全", **rows(("", "案内", "30", "open"), ("", "受注", "100", "won"))}
    )
    assert response.status_code == 422 and "失注" in response.content.decode()
    assert not Pipeline.objects.filter(name="不完全").exists()


def test_members_cannot_open_the_settings(cast):
    assert login(cast.owner).get("/sales/pipelines/").status_code == 403
