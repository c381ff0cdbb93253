"""Share of wallet, whitespace, competitor and market shares against hand-computed fixtures.

tests/fixtures/wallet, quarter Q = 2026Q2 (revenue / wallet, competitors' spend as reported):
  P1 Enterprise EMEA  Ann  100 / 400 high     Northstar 150, Cobalt 50
  P2 Enterprise NA    Bob  300 / 500 low      Northstar 100
  P3 SMB        EMEA  Ann   50 / 200 medium   Northstar 100, Helix 100 -> 250 > 200: spend above the wallet;
                                              counted, competitors scaled to the 150 left: 75 + 75
  P4 SMB        NA    Bob   80 /  60 high     our revenue above the wallet: left out
  P5 Mid-Market APAC  Cy    40 / none         no estimate: left out, never 0 % or 100 %
  P6 Mid-Market APAC  Cy     0 / 100 high     Cobalt 60 (a real 0 % share)
  P7 SMB        EMEA  Ann    0 /   0 low      wallet of 0: left out
Counted: P1, P2, P3, P6 -> pooled share 450 / 1200 = 0.375; wallet 1200; whitespace 300 + 200 + 150 + 100 = 750.
Quarter 2026Q1: P1 80/400, P2 300/500, P3 50/200, P4 50/100, P6 20/100 counted (P5 none, P7 0)
  -> 500 / 1300; spend P1 Northstar 200 + Cobalt 40, P2 Northstar 150, P3 Helix 60, P6 Cobalt 30.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from lib.io.importer import ImportRejected, import_files
from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.kpis import kpis_json, portfolio_kpis
from lib.wallet.cards import figure_accounts, market_share_key, wallet_figures
from lib.wallet.data import accounts_only, load_wallet_data, load_wallet_sources
from lib.wallet.estimates import accounts_without_estimate, data_problems, estimate_quality
from lib.wallet.history import account_split_over_time, load_account_history
from lib.wallet.quadrant import quadrant
from lib.wallet.rules import NO_ESTIMATE, REVENUE_ABOVE_WALLET, SPEND_ABOVE_WALLET, ZERO_WALLET
from lib.wallet.shares import OTHER_COMPETITORS, UNATTRIBUTED, US, account_wallets
from lib.wallet.split import share_trend, split_shares, wallet_split
from lib.wallet.whitespace import ranking_csv, whitespace_ranking
from tests.conftest import ADMIN, FIXTURES

Q = "2026Q2"
WALLET_FILES = ("accounts.csv", "revenue.csv", "competitor_spend.csv")


@pytest.fixture
def wallet_engine(engine):
    import_files(engine, [(n, (FIXTURES / "wallet" / n).read_bytes()) for n in WALLET_FILES], ADMIN)
    return engine


@pytest.fixture
def data(wallet_engine):
    return load_portfolio(wallet_engine)


@pytest.fixture
def spend(wallet_engine, data):
    return load_wallet_data(wallet_engine, data)


def figures(data, spend, high=False, **filters):
    view = wallet_figures(data, spend, Filters(**{"quarter": Q, **filters}), high)
    return {k: v.value for k, v in view.now.items()}, {k: v.value for k, v in view.before.items()}, view


def test_competitor_spend_is_aggregated_per_account_and_quarter(data, spend):
    # Tracked competitors by spend in the latest quarter, 2026Q2: Northstar 350, Helix 170, Cobalt 140.
    assert spend.competitors == ("Northstar Systems", "Helix Solutions", "Cobalt Analytics")
    q = data.column(Q)
    p3 = data.accounts.index[data.accounts["external_id"] == "P3"][0]
    assert spend.total[q, p3] == 200.0  # quarter-major: one quarter is one contiguous block
    assert spend.by_competitor[q, p3].tolist() == [100.0, 100.0, 0.0]
    assert spend.total[data.column("2026Q1")].sum() == 200 + 40 + 150 + 60 + 30
    codes, names = spend.groups["segment"]
    assert names[codes].tolist() == ["Enterprise", "Enterprise", "SMB", "SMB", "Mid-Market", "Mid-Market", "SMB"]


def test_headline_figures_now_and_a_quarter_before(data, spend):
    now, before, view = figures(data, spend)
    assert now["share_of_wallet"] == pytest.approx(450 / 1200)
    assert now["wallet"] == 1200.0
    assert now["whitespace"] == 750.0
    assert before["share_of_wallet"] == pytest.approx(500 / 1300)
    assert before["wallet"] == 1300.0
    assert before["whitespace"] == 320 + 200 + 150 + 50 + 80
    # Market share = the segment's pooled share: Enterprise (100 + 300) / (400 + 500); SMB only P3 counts; Mid-Market only P6.
    assert now[market_share_key("Enterprise")] == pytest.approx(400 / 900)
    assert now[market_share_key("SMB")] == pytest.approx(50 / 200)
    assert now[market_share_key("Mid-Market")] == 0.0
    assert before[market_share_key("SMB")] == pytest.approx((50 + 50) / (200 + 100))
    assert before[market_share_key("Mid-Market")] == pytest.approx(20 / 100)
    assert view.keys == (
        "share_of_wallet",
        "wallet",
        "whitespace",
        market_share_key("Enterprise"),
        market_share_key("SMB"),
        market_share_key("Mid-Market"),
    )
    cover = view.coverage
    assert (cover.accounts, cover.counted, cover.without_estimate, cover.revenue_without_estimate) == (7, 4, 1, 40.0)
    assert cover.left_out_problems == 2  # P4 and P7; P3 counts (its competitors are scaled)
    assert cover.high_confidence_wallet == pytest.approx((400 + 100) / 1200)  # P1 and P6 are high


def test_the_cards_do_not_need_competitor_spend(data, spend):
    # So the page shows them before the competitor-spend aggregate has loaded.
    for filters, high in ((Filters(Q), False), (Filters(Q), True), (Filters("2026Q1", owners=("Ann",)), False)):
        with_spend = wallet_figures(data, spend, filters, high)
        without = wallet_figures(data, accounts_only(data), filters, high)
        assert {k: v.value for k, v in without.now.items()} == {k: v.value for k, v in with_spend.now.items()}
        assert {k: v.value for k, v in without.before.items()} == {k: v.value for k, v in with_spend.before.items()}
        assert without.coverage == with_spend.coverage and without.keys == with_spend.keys


def test_pooled_share_is_not_the_mean_of_account_shares(data, spend):
    wallets = account_wallets(data, spend, Q, data.mask(Filters(Q)))
    per_account = wallets.share_of_wallet[wallets.counted]
    assert sorted(per_account.tolist()) == [0.0, 0.25, 0.25, 0.6]
    assert per_account.mean() == pytest.approx(0.275)  # what averaging shares would say
    assert figures(data, spend)[0]["share_of_wallet"] == pytest.approx(0.375)  # revenue over wallet, pooled


def test_a_missing_wallet_is_left_out_never_counted_as_zero_or_full(data, spend):
    wallets = account_wallets(data, spend, Q, data.mask(Filters(Q)))
    p5 = np.flatnonzero(data.accounts["external_id"].to_numpy() == "P5")[0]
    assert wallets.status[p5] == NO_ESTIMATE and np.isnan(wallets.share_of_wallet[p5]) and np.isnan(wallets.whitespace[p5])
    # As 0 % (wallet = anything, share 0) it would add its wallet; as 100 % (wallet = 40) it would give 490 / 1240.
    assert figures(data, spend)[0]["share_of_wallet"] == pytest.approx(450 / 1200)
    assert figures(data, spend, segments=("Mid-Market",))[0]["share_of_wallet"] == 0.0  # P6 alone: 0 / 100
    missing = accounts_without_estimate(data, Filters(Q))
    assert missing.table["name"].tolist() == ["Teal Energy"] and missing.accounts == 1 and missing.revenue == 40.0


def test_an_impossible_wallet_is_a_data_problem_not_a_share_above_100_percent(data, spend):
    wallets = account_wallets(data, spend, Q, data.mask(Filters(Q)))
    by_id = dict(zip(data.accounts["external_id"], range(len(data.accounts))))
    assert wallets.status[by_id["P4"]] == REVENUE_ABOVE_WALLET and np.isnan(wallets.share_of_wallet[by_id["P4"]])
    assert wallets.status[by_id["P7"]] == ZERO_WALLET
    assert wallets.status[by_id["P3"]] == SPEND_ABOVE_WALLET
    # P3: our 50 plus competitors' 200 on a wallet of 200. Our share stays 25 %; the competitors are scaled
    # from 200 down to the 150 left (x 0.75), so the account's split adds up to exactly 100 %.
    p3 = by_id["P3"]
    assert wallets.share_of_wallet[p3] == 0.25
    assert wallets.parts[p3].tolist() == [75.0, 75.0, 0.0, 0.0]  # Northstar, Helix, Cobalt, others
    assert (wallets.revenue[p3] + wallets.parts[p3].sum()) / wallets.wallet[p3] == 1.0
    problems = data_problems(data, spend, Filters(Q))
    assert problems.accounts == 3
    # Sorted by excess: P3 250 - 200 = 50, P4 80 + 30 - 60 = 50 (ties keep account order), P7 0.
    assert problems.table[["name", "problem", "excess", "left_out"]].values.tolist() == [
        ["Rowan Foods", "competitors' spend above the wallet", 50.0, False],
        ["Sable Health", "our revenue above the wallet", 50.0, True],
        ["Vireo Retail", "wallet estimate is 0", 0.0, True],
    ]


def test_the_kpi_json_keeps_the_page_figure(data, spend):
    for filters in (Filters(Q), Filters("2026Q1"), Filters(Q, segments=("SMB",)), Filters(Q, owners=("Ann",))):
        page = wallet_figures(data, spend, filters).now["share_of_wallet"].value
        assert kpis_json(data, filters)["share_of_wallet"] == page
        assert portfolio_kpis(data, filters)["share_of_wallet"].value == page
    # Counting P4 (80 / 60) and P7 (0 / 0) as the old rule did would give 530 / 1260 instead.
    assert kpis_json(data, Filters(Q))["share_of_wallet"] == pytest.approx(0.375)


def test_the_command_line_prints_the_page_figure(wallet_engine, data, spend, capsys):
    from lib.cli import main

    url = wallet_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kpis", "--quarter", Q, "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["share_of_wallet"] == wallet_figures(data, spend, Filters(Q)).now["share_of_wallet"].value == 0.375


def test_high_confidence_only_leaves_out_the_other_estimates(data, spend):
    now, before, view = figures(data, spend, high=True)
    assert now["share_of_wallet"] == pytest.approx(100 / 500)  # P1 and P6; P2 low, P3 medium, P4 impossible
    assert now["wallet"] == 500.0
    assert before["share_of_wallet"] == pytest.approx((80 + 50 + 20) / (400 + 100 + 100))  # P1, P4 (50/100) and P6 in Q1
    assert view.coverage.lower_confidence == 2
    assert figures(data, spend)[0]["share_of_wallet"] != now["share_of_wallet"]


def test_filters_change_every_figure(data, spend):
    now, _, _ = figures(data, spend, owners=("Ann",))  # P1, P3, P7 -> P1 and P3 count
    assert now["share_of_wallet"] == pytest.approx(150 / 600)
    assert now["whitespace"] == 450.0
    now, _, view = figures(data, spend, regions=("APAC",))
    assert now["share_of_wallet"] == 0.0 and view.keys[3:] == (market_share_key("Mid-Market"),)
    assert figures(data, spend, segments=("Nobody",))[0]["share_of_wallet"] is None  # n/a, not 0
    assert all(v is None for v in figures(data, spend, quarter="2031Q1")[0].values())


def test_wallet_split_by_group_adds_up_to_the_wallet(data, spend):
    split = wallet_split(data, spend, Filters(Q), "segment")
    shares = split_shares(split).set_index("group")
    assert split.parts == (US, "Northstar Systems", "Cobalt Analytics", "Helix Solutions", OTHER_COMPETITORS, UNATTRIBUTED)
    assert shares.index.tolist() == ["All accounts", "Enterprise", "SMB", "Mid-Market"]  # largest wallet first
    total = shares.loc["All accounts"]
    # Northstar 150 + 100 + 75 = 325, Cobalt 50 + 60 = 110, Helix 75; rest 1200 - 450 - 510 = 240.
    assert total[US] == pytest.approx(450 / 1200)
    assert total["Northstar Systems"] == pytest.approx(325 / 1200)
    assert total["Cobalt Analytics"] == pytest.approx(110 / 1200)
    assert total["Helix Solutions"] == pytest.approx(75 / 1200)
    assert total[UNATTRIBUTED] == pytest.approx(240 / 1200)
    assert shares.loc["SMB", [US, "Northstar Systems", "Helix Solutions", UNATTRIBUTED]].tolist() == [0.25, 0.375, 0.375, 0.0]
    assert shares[list(split.parts)].sum(axis=1).tolist() == pytest.approx([1.0] * 4)
    assert shares.loc["Enterprise", "high_confidence"] == pytest.approx(400 / 900)
    by_owner = split_shares(wallet_split(data, spend, Filters(Q), "owner")).set_index("group")
    assert by_owner.loc["Bob", US] == pytest.approx(300 / 500)  # P4 is Bob's too, but left out
    assert wallet_split(data, spend, Filters(Q), "region", top_groups=1).total_groups == 3


def test_share_trend_of_us_and_the_top_competitors(data, spend):
    trend = share_trend(data, spend, Filters(Q)).set_index("quarter")
    assert trend.columns.tolist() == [US, "Northstar Systems", "Cobalt Analytics", "Helix Solutions", "accounts"]
    assert trend.loc["2026Q1", US] == pytest.approx(500 / 1300)
    assert trend.loc["2026Q1", "Northstar Systems"] == pytest.approx((200 + 150) / 1300)
    assert trend.loc["2026Q2", "Northstar Systems"] == pytest.approx(325 / 1200)
    assert trend["accounts"].tolist() == [5, 4]


def test_quadrant_places_accounts_against_their_segment(wallet_engine, data, spend):
    sources = load_wallet_sources(wallet_engine, data, Q)
    chart = quadrant(data, spend, Filters(Q), sources=sources)
    # Median of the counted wallets 100, 200, 400, 500 = 300. Lines: Enterprise 4/9, SMB 0.25, Mid-Market 0.
    assert chart.median_wallet == 300.0
    assert chart.market_share == pytest.approx({"Enterprise": 400 / 900, "SMB": 0.25, "Mid-Market": 0.0})
    placed = dict(zip(chart.points["name"], chart.points["quadrant"]))
    assert placed == {
        "Pine Logistics": "Grow",  # 400 >= 300, 25 % below 44 %
        "Quartz Bank": "Stronghold",  # 500, 60 % above 44 %
        "Rowan Foods": "Deprioritise",  # 200, 25 % on (not above) the SMB line
        "Umber Media": "Deprioritise",  # 100, 0 % on the Mid-Market line
    }
    assert chart.counts == {"Stronghold": 1, "Grow": 1, "Defend": 0, "Deprioritise": 2}
    assert not chart.sampled
    row = chart.points.set_index("name").loc["Pine Logistics"]
    assert (row["top_competitor"], row["competitor_share"], row["confidence"], row["source"]) == (
        "Northstar Systems",
        0.375,
        "high",
        "Analyst estimate",
    )


def test_quadrant_samples_many_accounts_but_counts_them_all(data, spend):
    chart = quadrant(data, spend, Filters(Q), max_points=2)
    assert chart.sampled and len(chart.points) == 2 and chart.accounts == 4
    assert sum(chart.counts.values()) == 4
    assert set(chart.points["name"]) == {"Pine Logistics", "Quartz Bank"}  # largest whitespace, largest revenue


def test_whitespace_ranking_with_top_competitor_and_csv(wallet_engine, data, spend):
    sources = load_wallet_sources(wallet_engine, data, Q)
    ranking = whitespace_ranking(data, spend, Filters(Q), sources=sources)
    table = ranking.table
    assert table["name"].tolist() == ["Pine Logistics", "Quartz Bank", "Rowan Foods", "Umber Media"]
    assert table["whitespace"].tolist() == [300.0, 200.0, 150.0, 100.0]
    # P3's Northstar and Helix tie at 75 (scaled): the first name in alphabetical order wins.
    assert table["top_competitor"].tolist() == ["Northstar Systems", "Northstar Systems", "Helix Solutions", "Cobalt Analytics"]
    assert table["competitor_share"].tolist() == pytest.approx([150 / 400, 100 / 500, 75 / 200, 60 / 100])
    assert table["check"].tolist() == ["", "", "competitors' spend above the wallet", ""]
    assert whitespace_ranking(data, spend, Filters(Q), limit=2).accounts == 4
    rows = pd.read_csv(pd.io.common.BytesIO(ranking_csv(ranking, Q)))
    assert rows.columns[:2].tolist() == ["account_id", "quarter"]
    assert rows["account_id"].tolist() == ["P1", "P2", "P3", "P6"]
    assert rows.loc[0, ["wallet_confidence", "wallet_source"]].tolist() == ["high", "Analyst estimate"]
    assert figure_accounts(data, spend, Filters(Q), market_share_key("Enterprise"))["name"].tolist() == [
        "Quartz Bank",
        "Pine Logistics",
    ]


def test_estimate_quality_by_confidence_and_source(wallet_engine, data, spend):
    quality = estimate_quality(data, spend, Filters(Q), load_wallet_sources(wallet_engine, data, Q))
    assert quality[["confidence", "source", "accounts", "wallet", "share_of_wallet"]].values.tolist() == [
        ["high", "Analyst estimate", 2, 500.0, 0.2],
        ["medium", "Annual report", 1, 200.0, 0.25],
        ["low", "Customer interview", 1, 500.0, 0.6],
    ]


def test_one_account_over_time(wallet_engine, data):
    p3 = int(data.accounts.loc[data.accounts["external_id"] == "P3", "id"].iloc[0])
    history = load_account_history(wallet_engine, p3)
    assert history.name == "Rowan Foods" and history.owner == "Ann"
    assert history.quarters["share_of_wallet"].tolist() == [0.25, 0.25]
    assert history.quarters["status"].tolist() == ["", "competitors' spend above the wallet"]
    assert history.top_competitor("2026Q1") == ("Helix Solutions", 0.3)  # 60 / 200
    assert history.top_competitor(Q) == ("Helix Solutions", 0.375)  # 75 / 200 after scaling, tie -> alphabetical
    split = account_split_over_time(history).set_index("quarter")
    assert split.loc["2026Q1", [US, "Helix Solutions", "Northstar Systems", UNATTRIBUTED]].tolist() == [50.0, 60.0, 0.0, 90.0]
    assert split.loc[Q, [US, "Helix Solutions", "Northstar Systems", UNATTRIBUTED]].tolist() == [50.0, 75.0, 75.0, 0.0]
    p5 = int(data.accounts.loc[data.accounts["external_id"] == "P5", "id"].iloc[0])
    missing = load_account_history(wallet_engine, p5)
    assert missing.quarters["status"].tolist() == ["no wallet estimate"] * 2
    assert account_split_over_time(missing).empty  # no quarter has a wallet to split
    assert load_account_history(wallet_engine, 9999) is None


def test_the_portfolio_fixture_splits_as_computed_by_hand(small_engine):
    # tests/fixtures/portfolio 2026Q2: A 120/400, B 150/300, D 40/160, E 150/600 (C has no row).
    # Northstar A 200 + B 150 = 350, Cobalt A 50 + E 300 = 350, Helix E 100; rest 1460 - 460 - 800 = 200.
    data = load_portfolio(small_engine)
    spend = load_wallet_data(small_engine, data)
    total = split_shares(wallet_split(data, spend, Filters(Q), "segment")).set_index("group").loc["All accounts"]
    assert total[[US, "Cobalt Analytics", "Northstar Systems", "Helix Solutions", UNATTRIBUTED]].tolist() == pytest.approx(
        [460 / 1460, 350 / 1460, 350 / 1460, 100 / 1460, 200 / 1460]
    )
    assert wallet_figures(data, spend, Filters(Q)).now["share_of_wallet"].value == kpis_json(data, Filters(Q))["share_of_wallet"]


def test_only_the_latest_quarters_largest_competitors_are_tracked_the_rest_is_other(wallet_engine):
    data = load_portfolio(wallet_engine)
    spend = load_wallet_data(wallet_engine, data, limit=1)
    assert spend.competitors == ("Northstar Systems",)
    wallets = account_wallets(data, spend, Q, data.mask(Filters(Q)))
    p1 = np.flatnonzero(data.accounts["external_id"].to_numpy() == "P1")[0]
    assert wallets.parts[p1].tolist() == [150.0, 50.0]  # Northstar; Cobalt among the others
    split = wallet_split(data, spend, Filters(Q), "segment")
    assert split.parts == (US, "Northstar Systems", OTHER_COMPETITORS, UNATTRIBUTED)
    assert (
        split.groups.set_index("group").loc["All accounts", OTHER_COMPETITORS] == 50 + 75 + 60
    )  # Cobalt P1, Helix P3 scaled, Cobalt P6


@pytest.mark.parametrize("quarter", ["9999Q4", "2026q4", "junk"])
def test_a_stored_spend_row_of_no_quarter_keeps_the_tracked_competitors(wallet_engine, quarter):
    """A row the importer refuses, written straight into the database (as an older version could):
    the tracked competitors stay those of the latest real quarter, 2026Q2."""
    data = load_portfolio(wallet_engine)
    clean = load_wallet_data(wallet_engine, data)
    with wallet_engine.begin() as connection:
        account = connection.execute(text("SELECT id FROM accounts WHERE external_id = 'P1'")).scalar()
        connection.execute(
            text("INSERT INTO competitor_spend (account_id, quarter, competitor, spend_cents) VALUES (:a, :q, 'Stray', 500)"),
            {"a": account, "q": quarter},
        )
    spend = load_wallet_data(wallet_engine, load_portfolio(wallet_engine))
    assert spend.competitors == clean.competitors == ("Northstar Systems", "Helix Solutions", "Cobalt Analytics")
    assert (spend.total == clean.total).all()  # the stray row has no quarter of the portfolio to be in
    history = load_account_history(wallet_engine, account)  # the account's dialog
    assert quarter not in history.quarters["quarter"].tolist() and quarter not in history.spend["quarter"].tolist()


def test_competitor_spend_imports_with_the_same_validation(wallet_engine):
    bad = b"account_id,quarter,competitor,spend\nP1,2026Q3,Northstar Systems,-5\nP9,2026Q3,Helix Solutions,10\nP1,2026-07,,x\n"
    with pytest.raises(ImportRejected) as rejected:
        import_files(wallet_engine, [("spend.csv", bad)], ADMIN)
    reasons = {(p.row, p.column): p.reason for p in rejected.value.problems}
    assert "must not be below 0" in reasons[(2, "spend")]
    assert "unknown account" in reasons[(3, "account_id")]
    assert (4, "quarter") in reasons and (4, "competitor") in reasons and (4, "spend") in reasons


def test_competitor_spend_imports_from_xlsx_and_updates_on_reimport(wallet_engine, tmp_path: Path):
    frame = pd.DataFrame({"Account_ID": ["P6"], "Quarter": [Q], "Competitor": ["Cobalt Analytics"], "Spend": [80]})
    path = tmp_path / "spend.xlsx"
    frame.to_excel(path, index=False)
    summary = import_files(wallet_engine, [("spend.xlsx", path.read_bytes())], ADMIN)
    assert summary.updated["competitor_spend"] == 1  # the same key: updated, not duplicated
    data = load_portfolio(wallet_engine)
    spend = load_wallet_data(wallet_engine, data)
    p6 = data.accounts.index[data.accounts["external_id"] == "P6"][0]
    assert spend.total[data.column(Q), p6] == 80.0


def test_segments_that_differ_only_in_case_get_cards_of_their_own(wallet_engine):
    import_files(
        wallet_engine,
        [
            ("accounts.csv", b"account_id,name,segment\nX1,Lowercase Ltd,Mid-market\n"),
            ("revenue.csv", f"account_id,quarter,revenue,wallet\nX1,{Q},10,100\n".encode()),
        ],
        ADMIN,
    )
    data = load_portfolio(wallet_engine)
    view = wallet_figures(data, load_wallet_data(wallet_engine, data), Filters(Q))
    assert len(set(view.segment_keys)) == len(view.segment_keys) == 4
    labels = {view.now[k].label for k in view.segment_keys}
    assert {"Mid-market", "Mid-Market"} <= labels
    assert market_share_key("Mid-market") != market_share_key("Mid-Market") != market_share_key("Mid Market")
    lower = figure_accounts(data, load_wallet_data(wallet_engine, data), Filters(Q), market_share_key("Mid-market"))
    assert lower["name"].tolist() == ["Lowercase Ltd"]
