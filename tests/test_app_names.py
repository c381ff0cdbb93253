"""AppTest: names from the data are shown as text on every page: in titles, captions, badges and
alerts as escaped Markdown (lib.ui.text.plain), in charts with Plotly's tags escaped (lib.core.charts.chart_text).

The account, its segment, industry, region, owner, wallet source and competitor are named with
Markdown, Streamlit directives, LaTeX and HTML, as an import from outside could name them.
"""

from __future__ import annotations

import json

import pytest

from lib.core.auth import add_user
from lib.core.charts import chart_text
from lib.core.db import make_engine, migrate
from lib.io.importer import import_files
from lib.io.setup import ensure_initialized
from lib.keyaccounts.criteria import CriteriaSet
from lib.keyaccounts.starter import APPROVED_CRITERIA
from lib.keyaccounts.store import approve_criteria_set, save_criteria_set
from lib.ui.text import plain
from tests.conftest import ADMIN, app_test, portfolio_files

pytestmark = pytest.mark.database

NAME = "![x](http://evil.example/p.png) [link](http://evil.example/l) :red[r] $x^2$ <i>Seg</i>"
SEGMENT = "<i>Seg</i> :blue[s]"
INDUSTRY = ":red[industry]"
REGION = "$x^2$ region"
OWNER = "[owner](http://evil.example/o)"
SOURCE = "![s](http://evil.example/s.png)"
RIVAL = "<i>Rival</i> [r](http://evil.example/r)"
CRITERIA_NAME = "**Bold** [set](http://evil.example/c) <b>x</b>"
USER_NAME = "<i>Vi</i> [ewer](http://evil.example/u)"
PASSWORD = "hostile-names"
QUARTER = "2026Q2"


def hostile_files() -> list[tuple[str, bytes]]:
    accounts = f"account_id,name,segment,industry,region,owner,customer_since\nH,{NAME},{SEGMENT},{INDUSTRY},{REGION},{OWNER},2021-01-01\n"
    revenue = (
        "account_id,quarter,revenue,wallet,wallet_source,wallet_confidence\n"
        f"H,2025Q2,100,400,{SOURCE},high\nH,{QUARTER},150,500,{SOURCE},high\n"
    )
    spend = f"account_id,quarter,competitor,spend\nH,{QUARTER},{RIVAL},120\n"
    return [("accounts.csv", accounts.encode()), ("revenue.csv", revenue.encode()), ("spend.csv", spend.encode())]


def build_hostile_database(folder) -> tuple[str, object]:
    """The five-account portfolio plus the hostile account H and an approved criteria set with a hostile name."""
    from tests.conftest import _new_database_url

    url, drop = _new_database_url(folder)
    engine = make_engine(url)
    migrate(engine)
    import_files(engine, portfolio_files(), ADMIN)
    import_files(engine, hostile_files(), ADMIN)
    set_id = save_criteria_set(engine, ADMIN, CRITERIA_NAME, CriteriaSet.from_dict(APPROVED_CRITERIA))
    approve_criteria_set(engine, ADMIN, set_id)
    add_user(engine, "viewer", USER_NAME, "viewer", PASSWORD)
    ensure_initialized(engine)
    engine.dispose()
    return url, drop


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    url, drop = build_hostile_database(tmp_path_factory.mktemp("hostile"))
    yield url
    drop()


def hostile_id(url: str) -> int:
    from lib.accounts.account360 import find_by_external_id

    engine = make_engine(url)
    found = find_by_external_id(engine, "H")
    engine.dispose()
    return int(found)


def on_page(url: str, page: str, **state):
    at = app_test(url)
    at.selectbox(key="flt_quarter").select(QUARTER).run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def shown_as_text(values: list[str], typed: str) -> None:
    """The name is on screen, escaped, and nowhere as the Markdown it was typed as."""
    assert any(plain(typed) in v for v in values), (typed, values)
    assert not any(typed in v for v in values), (typed, values)


def chart_specs(at) -> str:
    return "\n".join(json.dumps(json.loads(chart.proto.spec)) for chart in at.get("plotly_chart"))


def test_account_360_shows_the_names_as_text(hostile_url):
    at = on_page(hostile_url, "pages/account_360.py", a360_account_id=hostile_id(hostile_url))
    assert at.title[0].value == plain(NAME)
    captions = [c.value for c in at.caption]
    for typed in (SEGMENT, INDUSTRY, REGION, OWNER, RIVAL):
        shown_as_text(captions, typed)
    shown_as_text([m.value for m in at.markdown if "badge[" in m.value], CRITERIA_NAME)
    charts = chart_specs(at)
    assert "<i>Rival</i>" not in charts and "&lt;i&gt;Rival&lt;/i&gt;" in charts


def test_review_notes_shows_the_name_and_owner_as_text(hostile_url):
    at = on_page(hostile_url, "pages/review_notes.py", notes_account_id=hostile_id(hostile_url))
    captions = [c.value for c in at.caption]
    shown_as_text(captions, NAME)
    shown_as_text(captions, OWNER)


def test_portfolio_shows_a_chosen_segment_as_text_and_its_chart_escapes_it(hostile_url):
    at = app_test(hostile_url)
    at.selectbox(key="flt_quarter").select(QUARTER).run()
    at.multiselect(key="flt_segments").select(SEGMENT).run()
    assert not at.exception
    shown_as_text([at.caption[0].value], SEGMENT)
    at.multiselect(key="flt_segments").unselect(SEGMENT).run()
    at.session_state["pf_tab"] = "Breakdown"
    at.run()
    charts = chart_specs(at)
    assert "<i>Seg</i>" not in charts and "&lt;i&gt;Seg&lt;/i&gt;" in charts


def test_share_of_wallet_charts_escape_segments_competitors_and_names(hostile_url):
    at = on_page(hostile_url, "pages/wallet.py")
    charts = chart_specs(at)
    at.session_state["sow_tab"] = "Where to play"
    at.run()
    charts += chart_specs(at)
    for typed in ("<i>Seg</i>", "<i>Rival</i>", NAME):
        assert typed not in charts
    assert "&lt;i&gt;Rival&lt;/i&gt;" in charts and "&lt;i&gt;Seg&lt;/i&gt;" in charts
    assert "&lt;i&gt;Seg&lt;/i&gt; :blue[s]" in charts
    assert chart_text(NAME) in charts  # the account's own point on the quadrant


def test_key_accounts_shows_the_criteria_set_name_as_text(hostile_url):
    at = on_page(hostile_url, "pages/key_accounts.py")
    shown_as_text([c.value for c in at.caption] + [m.value for m in at.markdown], CRITERIA_NAME)
