"""The communication matrix's figure: every row and column drawn, the empty ones marked, names shown as typed."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lib.relationships.charts import EMPTY, communication_matrix

WINDOW = (dt.date(2026, 4, 2), dt.date(2026, 6, 30))


def test_empty_rows_and_columns_are_drawn_and_marked():
    matrix = pd.DataFrame(
        [[2, 0, 0], [0, 0, 0]],
        index=pd.Index(["Zoe Hart", "Uma Vance"], name="our person"),
        columns=pd.Index(["Ana Marsh", "Ben Cole", "<b>Cara</b> Diaz"], name="stakeholder"),
    )
    figure = communication_matrix(matrix, WINDOW)
    heatmap = figure.data[0]
    assert [list(row) for row in heatmap.z] == [[2, 0, 0], [0, 0, 0]]
    assert [list(row) for row in heatmap.text] == [["2", "·", "·"], ["·", "·", "·"]]
    rows, columns = figure.layout.yaxis.ticktext, figure.layout.xaxis.ticktext
    assert rows[0] == "Zoe Hart" and EMPTY in rows[1] and "Uma Vance ∅" in rows[1]
    assert columns[0] == "Ana<br>Marsh"
    assert EMPTY in columns[1] and EMPTY in columns[2]
    assert "&lt;b&gt;Cara&lt;/b&gt;" in columns[2]  # a name is shown as typed, not read as markup
    assert figure.layout.title.text == "Interactions 02 Apr – 30 Jun 2026"


def test_an_account_without_stakeholders_says_so():
    empty = pd.DataFrame(index=pd.Index(["Zoe Hart"], name="our person"), columns=pd.Index([], name="stakeholder"))
    figure = communication_matrix(empty, WINDOW)
    assert not figure.data and figure.layout.annotations[0].text == "No stakeholder on record"
