"""The relationship map's tooltip is HTML: a name holding markup must show as text and never run."""

from kizuna.timeline import services as timeline
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login

MARKUP = '<img src=x onerror="window.__xss=1">'


def test_a_name_with_markup_is_shown_not_run_in_the_map_tooltip(page, shot, transactional_db):
    user = make_user("yamamoto", "member", display_name="山本 翔")
    company = factories.company(user, "株式会社山田製作所")
    boss = factories.person(user, MARKUP, "部長", company=company.pk, title="部長", department="製造部")
    staff = factories.person(user, "田中", "一郎", company=company.pk, title="課長", department="製造部")
    timeline.create_relationship(actor=user, data={"from_person": staff.pk, "to_person": boss.pk, "kind": "boss"})
    login(page, "yamamoto")
    page.goto(page.base_url + company.get_absolute_url())
    page.wait_for_selector(".relmap-live:not([hidden])")
    page.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.querySelector('.relmap-live'))")
    index = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.querySelector('.relmap-live'));
          const nodes = chart.getOption().series[0].data;
          const i = nodes.findIndex((n) => n.name.includes('<img'));
          chart.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: i });
          return i;
        }"""
    )
    assert index >= 0
    page.wait_for_function(
        "() => [...document.querySelectorAll('.relmap-live div')].some((d) => d.textContent.includes('<img'))"
    )
    shot(page, "relationship-map-tooltip")
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate("() => document.querySelectorAll('.relmap-live img[src=x]').length") == 0
