"""The demo portfolio: deterministic for a seed, any size, realistic spreads."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from lib.io.demo import DemoSpec, build_demo_frames, load_demo
from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.kpis import portfolio_kpis
from tests.conftest import ROOT

SPEC = DemoSpec(accounts=400, quarters=12, seed=3, end="2026Q3")


def test_the_same_seed_builds_the_same_portfolio_and_another_seed_another():
    first, again, other = build_demo_frames(SPEC), build_demo_frames(SPEC), build_demo_frames(DemoSpec(400, 12, 4, "2026Q3"))
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["revenue"]["revenue_cents"].equals(other["revenue"]["revenue_cents"])


def test_size_quarters_and_end_follow_the_spec():
    frames = build_demo_frames(DemoSpec(accounts=50, quarters=6, seed=1, end="2025Q2"))
    assert len(frames["accounts"]) == 50
    assert sorted(frames["revenue"]["quarter"].unique()) == ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]


def test_without_an_end_the_demo_ends_with_the_quarter_completed_before_the_injected_today(monkeypatch):
    monkeypatch.setenv("KEYSTONE_TODAY", "2031-05-10")
    frames = build_demo_frames(DemoSpec(accounts=3, quarters=4, seed=1))
    assert sorted(frames["revenue"]["quarter"].unique()) == ["2030Q2", "2030Q3", "2030Q4", "2031Q1"]


def test_spreads_look_like_a_real_portfolio():
    frames = build_demo_frames(SPEC)
    revenue = frames["revenue"]
    last = revenue[revenue["quarter"] == "2026Q3"]
    active = last[last["revenue_cents"] > 0]["revenue_cents"]
    assert active.mean() > 2 * active.median(), "revenue should be long-tailed"
    with_wallet = last.dropna(subset=["wallet_cents"])
    assert (with_wallet["wallet_cents"] >= with_wallet["revenue_cents"]).all(), "wallets are larger than our revenue"
    assert 0.02 < last["wallet_cents"].isna().mean() < 0.10, "a few accounts have no wallet estimate"
    per_account = frames["competitor_spend"].groupby(["account_id", "quarter"])["competitor"].nunique()
    assert per_account.between(1, 6).all() and per_account.max() == 6
    assert set(frames["surveys"]["kind"]) == {"NPS", "CSAT"}
    assert len(frames["review_notes"]) > 0 and len(frames["action_items"]) > 0
    assert frames["interactions"]["stakeholder_id"].isin(frames["stakeholders"]["id"]).all()


def test_kpis_of_the_demo_are_plausible(engine):
    load_demo(engine, SPEC)
    kpi = {k: v.value for k, v in portfolio_kpis(load_portfolio(engine), Filters("2026Q3")).items()}
    assert 0.01 < kpi["churn_rate"] < 0.12, "a few percent churn a year"
    assert 0.95 < kpi["nrr"] < 1.35 and 0.80 < kpi["grr"] < 1.0
    assert 0.05 < kpi["share_of_wallet"] < 0.6
    assert -20 < kpi["nps"] < 70


def test_rebuilding_replaces_the_portfolio(engine):
    load_demo(engine, DemoSpec(accounts=30, quarters=4, seed=1, end="2026Q3"))
    load_demo(engine, DemoSpec(accounts=20, quarters=4, seed=2, end="2026Q3"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM accounts")).scalar() == 20
        assert connection.execute(text("SELECT COUNT(*) FROM users WHERE is_demo")).scalar() == 3
        assert connection.execute(text("SELECT COUNT(*) FROM criteria_sets")).scalar() == 2
        versions = dict(connection.execute(text("SELECT name, version FROM data_versions")).all())
    assert versions["facts"] == 2


@pytest.mark.parametrize("bad", [DemoSpec(accounts=0), DemoSpec(quarters=1)])
def test_nonsense_sizes_are_refused(bad):
    with pytest.raises(ValueError):
        build_demo_frames(bad)


def test_churned_accounts_stop_buying():
    frames = build_demo_frames(SPEC)
    pivot = frames["revenue"].pivot_table(index="account_id", columns="quarter", values="revenue_cents", fill_value=0)
    stopped = pivot[(pivot.iloc[:, 0] > 0) & (pivot.iloc[:, -1] == 0)]
    assert len(stopped) > 0
    for _, row in stopped.iterrows():
        values = row.to_numpy()
        first_zero = int(np.argmax(values == 0))
        assert (values[first_zero:] == 0).all(), "a churned account does not come back"


def test_the_starter_criteria_have_one_home_which_the_key_accounts_page_drafts_from():
    from lib.keyaccounts import starter

    homes = [p.relative_to(ROOT).as_posix() for p in (ROOT / "lib").rglob("*.py") if "APPROVED_CRITERIA = {" in p.read_text()]
    assert homes == ["lib/keyaccounts/starter.py"]
    screen = (ROOT / "lib" / "ui" / "keyaccounts" / "editor.py").read_text()
    assert "from lib.keyaccounts.starter import APPROVED_CRITERIA" in screen and "lib.io.demo" not in screen
    frames = build_demo_frames(DemoSpec(accounts=5, quarters=4, seed=1, end="2026Q2"))
    assert starter.APPROVED_CRITERIA["cutoff"] == 60 and frames["accounts"].shape[0] == 5


def test_wallet_confidence_levels_have_one_home():
    from lib.portfolio.data import CONFIDENCE_LEVELS, WALLET_CONFIDENCES

    assert CONFIDENCE_LEVELS == ("", *WALLET_CONFIDENCES) == ("", "low", "medium", "high")
    spelled_out = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "lib").rglob("*.py")
        if '("low", "medium", "high")' in (text := p.read_text()) and "confidence" in text
    ]
    assert spelled_out == ["lib/portfolio/data.py"]
