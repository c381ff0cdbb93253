"""KPI formulas against the hand-computed portfolio in tests/fixtures/portfolio.

Quarter Q = 2026Q2, base B = 2025Q2 (Q-4). Revenue per account (B -> Q-1 -> Q):
  A 100 -> 110 -> 120   wallet Q 400    Enterprise  EMEA
  B 200 -> 180 -> 150   wallet Q 300    Enterprise  North America
  C  50 ->   0 ->   -   no wallet Q     SMB         EMEA   (churned)
  D   - ->  30 ->  40   wallet Q 160    SMB         North America (new logo)
  E 150 -> 150 -> 150   wallet Q 600    Mid-Market  APAC
Cohort (revenue > 0 in B) = A, B, C, E with 500 in B and 120 + 150 + 0 + 150 = 420 in Q.
"""

import dataclasses
import math

import pytest

from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.kpis import KPI_ORDER, kpis_json, portfolio_kpis
from lib.portfolio.overview import account_table, breakdown, kpi_accounts, kpi_trends

Q = "2026Q2"


@pytest.fixture
def data(small_engine):
    return load_portfolio(small_engine)


def values(data, **filters):
    return {k: v.value for k, v in portfolio_kpis(data, Filters(**{"quarter": Q, **filters})).items()}


def test_year_over_year_kpis_match_the_hand_computation(data):
    kpi = values(data)
    assert kpi["revenue"] == 460.0  # 120 + 150 + 0 + 40 + 150
    assert kpi["active_accounts"] == 4  # A, B, D, E
    assert kpi["nrr"] == pytest.approx(420 / 500)
    assert kpi["grr"] == pytest.approx((100 + 150 + 0 + 150) / 500)  # each capped at its B revenue
    assert kpi["logo_retention"] == pytest.approx(3 / 4)  # C lost
    assert kpi["churn_rate"] == pytest.approx(1 / 4)
    assert kpi["expansion_rate"] == pytest.approx(20 / 500)  # only A grew, by 20
    assert kpi["accounts_expanding"] == pytest.approx(1 / 4)  # E stayed flat: not expanding
    assert kpi["revenue_growth_existing"] == pytest.approx(420 / 500 - 1)
    assert kpi["cltv"] == pytest.approx(460 * 4 / 4 / 0.25)  # ARPA 460 a year, churn 25 % a year
    # NPS in Q: 10, 9, 6, 8, 3, 10 -> 3 promoters, 2 detractors of 6 (the 2026-03-31 and 2026-07-01 answers are outside Q)
    assert kpi["nps"] == pytest.approx(round(100 * (3 - 2) / 6, 1))
    assert kpi["csat"] == pytest.approx(2 / 4)  # 5 and 4 satisfied; 2 and 3 not
    assert kpi["share_of_wallet"] == pytest.approx(460 / 1460)  # C has no wallet in Q: left out
    assert kpi["top20_revenue_share"] == pytest.approx(150 / 460)  # ceil(0.2 x 4) = 1 account


def test_quarter_over_quarter_base_and_zero_churn_caps_the_lifetime(data):
    kpi = values(data, base_offset=1)
    # Cohort = revenue > 0 in 2026Q1: A 110, B 180, D 30, E 150 (C had 0) = 470; now 460.
    assert kpi["nrr"] == pytest.approx(460 / 470)
    assert kpi["grr"] == pytest.approx((110 + 150 + 30 + 150) / 470)
    assert kpi["logo_retention"] == 1.0
    assert kpi["churn_rate"] == 0.0
    assert kpi["cltv"] == pytest.approx(460 * 10)  # no churn: lifetime capped at 10 years


def test_filters_change_every_number(data):
    kpi = values(data, segments=("Enterprise",))
    assert kpi["revenue"] == 270.0
    assert kpi["nrr"] == pytest.approx(270 / 300)
    assert kpi["nps"] == pytest.approx(round(100 * (2 - 2) / 5, 1))  # A: 10, 9, 6; B: 8, 3
    assert values(data, regions=("APAC",))["revenue"] == 150.0
    assert values(data, owners=("Bob",))["active_accounts"] == 2


def test_empty_cohort_reads_na_not_zero(data):
    kpi = values(data, quarter="2026Q1")  # base 2025Q1 has no revenue at all
    assert kpi["revenue"] == 470.0  # 110 + 180 + 0 + 30 + 150
    for key in (
        "nrr",
        "grr",
        "logo_retention",
        "churn_rate",
        "expansion_rate",
        "accounts_expanding",
        "revenue_growth_existing",
        "cltv",
    ):
        assert kpi[key] is None, key
    assert kpi["nps"] == -100.0  # the one answer dated in 2026Q1 is a 0


def test_a_filter_without_accounts_and_a_quarter_without_data_are_na(data):
    for kpi in (values(data, segments=("Nobody",)), values(data, quarter="2031Q1")):
        assert all(v is None for v in kpi.values()), kpi


def test_zero_wallets_leave_share_of_wallet_na(engine):
    from lib.io.importer import import_files
    from tests.conftest import ADMIN

    import_files(
        engine,
        [
            ("accounts.csv", b"account_id,name\nZ,Zero Wallet Ltd\n"),
            ("revenue.csv", b"account_id,quarter,revenue,wallet\nZ,2026Q2,10,0\n"),
        ],
        ADMIN,
    )
    kpi = portfolio_kpis(load_portfolio(engine), Filters(Q))
    assert kpi["share_of_wallet"].value is None
    assert kpi["revenue"].value == 10.0
    row = account_table(load_portfolio(engine), Filters(Q)).iloc[0]
    assert math.isnan(row["share_of_wallet"]) and math.isnan(row["whitespace"])  # n/a, as the Share of wallet page leaves it out


def test_json_has_exactly_the_documented_keys(data):
    out = kpis_json(data, Filters(Q))
    assert set(out) == {
        "quarter",
        "base_quarter",
        "revenue",
        "active_accounts",
        "nrr",
        "grr",
        "logo_retention",
        "churn_rate",
        "expansion_rate",
        "accounts_expanding",
        "revenue_growth_existing",
        "cltv",
        "nps",
        "csat",
        "share_of_wallet",
        "top20_revenue_share",
    }
    assert out["base_quarter"] == "2025Q2"
    assert kpis_json(data, Filters("2026Q1"))["nrr"] is None


def test_why_this_number_lists_inputs_and_accounts(data):
    nrr = portfolio_kpis(data, Filters(Q))["nrr"]
    assert nrr.inputs["cohort accounts"] == 4
    assert nrr.inputs["cohort revenue 2025Q2"] == 500
    lost = kpi_accounts(data, Filters(Q), "churn_rate")
    assert lost["name"].tolist() == ["Gamma Foods"]
    movers = kpi_accounts(data, Filters(Q), "nrr")
    assert set(movers["name"].iloc[:2]) == {"Beta Bank", "Gamma Foods"}  # both -50, the largest movements


def test_trends_and_breakdowns(data):
    trends = kpi_trends(data, Filters(Q))
    assert trends["quarter"].tolist()[0] == "2025Q2"
    assert trends.set_index("quarter").loc["2026Q2", "revenue"] == 460.0
    assert (
        math.isnan(trends.set_index("quarter").loc["2026Q1", "nrr"]) or trends.set_index("quarter").loc["2026Q1", "nrr"] is None
    )
    by_segment = breakdown(data, Filters(Q), "segment").set_index("segment")
    assert by_segment.loc["Enterprise", "revenue"] == 270.0
    assert by_segment.loc["Enterprise", "nrr"] == pytest.approx(270 / 300)
    assert by_segment.loc["SMB", "logo_retention"] == 0.0  # C was the only SMB account in the cohort


def test_the_accounts_table_has_each_accounts_movement_and_counts_wallets_by_one_rule(data):
    table = account_table(data, Filters(Q)).set_index("name")
    # Revenue Q minus revenue B: A 120 - 100, B 150 - 200, C 0 - 50, D 40 - 0 (new), E 150 - 150.
    assert table["movement"].to_dict() == {
        "Alpha Industries": 20.0,
        "Beta Bank": -50.0,
        "Gamma Foods": -50.0,
        "Delta Health": 40.0,
        "Epsilon Energy": 0.0,
    }
    assert table.loc["Alpha Industries", "whitespace"] == 280.0  # 400 - 120
    assert math.isnan(table.loc["Gamma Foods", "whitespace"])  # no wallet in Q: n/a, not 0


def test_the_accounts_behind_every_kpi_carry_their_id_to_open_account_360(data):
    ids = account_table(data, Filters(Q)).set_index("id")["name"]
    for key in KPI_ORDER:
        behind = kpi_accounts(data, Filters(Q), key)
        assert "id" in behind.columns, key
        assert behind["id"].map(ids).tolist() == behind["name"].tolist(), key


def test_breakdowns_show_retention_and_churn_per_group(data):
    by_segment = breakdown(data, Filters(Q), "segment").set_index("segment")
    # SMB cohort = C alone (D is new), lost; Enterprise = A, B; Mid-Market = E: both kept every logo.
    assert by_segment["churn_rate"].to_dict() == {"Enterprise": 0.0, "Mid-Market": 0.0, "SMB": 1.0}
    by_owner = breakdown(data, Filters(Q), "owner").set_index("owner")
    # Ann: A 100 -> 120 and C 50 -> 0; Bob: B 200 -> 150 (D is new); Cy: E 150 -> 150.
    assert by_owner.loc["Ann", "nrr"] == pytest.approx(120 / 150)
    assert by_owner.loc["Ann", "grr"] == pytest.approx(100 / 150)
    assert by_owner.loc["Ann", "logo_retention"] == 0.5
    assert by_owner.loc["Ann", "churn_rate"] == 0.5
    assert by_owner.loc["Bob", "nrr"] == by_owner.loc["Bob", "grr"] == pytest.approx(150 / 200)
    assert by_owner.loc["Bob", "churn_rate"] == 0.0
    assert by_owner.loc["Cy", "nrr"] == 1.0 and by_owner.loc["Cy", "churn_rate"] == 0.0
    empty_cohort = breakdown(data, Filters("2026Q1"), "owner")  # nobody had revenue in 2025Q1
    assert empty_cohort["churn_rate"].isna().all()


class ClearedByAnotherSession(dict):
    """A mask cache that another session empties right after each store: the race, made certain."""

    def __setitem__(self, key: tuple, value: object) -> None:
        super().__setitem__(key, value)
        self.clear()


def test_a_mask_survives_another_session_clearing_the_cache_between_store_and_return(data):
    shared = dataclasses.replace(data, _masks=ClearedByAnotherSession())
    mask = shared.mask(Filters(Q, segments=("SMB",)))
    assert shared.accounts.loc[mask, "name"].tolist() == ["Gamma Foods", "Delta Health"]
    assert not mask.flags.writeable  # still read-only, as a cached one is
    assert values(shared, segments=("SMB",))["revenue"] == 40.0  # C 0 + D 40
