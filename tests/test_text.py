"""Names shown as text: lib.ui.text.plain escapes Markdown, lib.core.charts.chart_text escapes Plotly's tags."""

from lib.core.charts import chart_text
from lib.ui.text import plain


def test_plain_escapes_every_markdown_construct_a_name_could_start():
    typed = "![x](http://e.example/p.png) [a](http://x) :red[r] $x^2$ <i>S</i> **b** _c_ `d` # a|b ~s~ &amp; {e}"
    assert plain(typed) == (
        "!\\[x\\](http\\:\u2060//e.example/p.png) \\[a\\](http\\:\u2060//x) "
        r"\:red\[r\] \$x^2\$ \<i\>S\</i\> \*\*b\*\* \_c\_ \`d\` \# a\|b \~s\~ "
        r"\&amp; \{e\}"
    )
    assert plain("www.e.example a@b.example") == "www\u2060.e.example a\\@\u2060b.example"  # GitHub's bare autolinks
    assert [plain(s) for s in ("- a", "+ a", "= a", "12. a", "3) a", "> a", "    code")] == [
        r"\- a",
        r"\+ a",
        r"\= a",
        r"12\. a",
        r"3\) a",
        r"\> a",
        "code",
    ]


def test_plain_leaves_what_starts_nothing():
    assert plain("ACC-000132 O'Brien & Co. (UK) 50% Yahoo!") == "ACC-000132 O'Brien & Co. (UK) 50% Yahoo!"


def test_plain_keeps_letters_and_folds_line_breaks():
    assert plain("Zoë Müller\n\n= Ltd") == "Zoë Müller = Ltd"
    assert plain(None) == "" and plain(42) == "42"


def test_plain_keeps_emoji_shortcodes_from_becoming_pictures():
    assert plain(":smile: x") == "\\:\u2060smile\\: x"


def test_chart_text_escapes_tags_and_entities():
    assert chart_text("<i>Seg</i> & <a href='x'>") == "&lt;i&gt;Seg&lt;/i&gt; &amp; &lt;a href='x'&gt;"
    assert chart_text(None) == ""


def test_the_pareto_chart_escapes_account_names():
    import pandas as pd

    from lib.keyaccounts.charts import pareto_chart

    frame = pd.DataFrame(
        {
            "name": ["<i>Acme</i>", "Beta"],
            "account_share": [0.5, 1.0],
            "cumulative_share": [0.8, 1.0],
            "qualified": [True, False],
            "top_20": [True, False],
        }
    )
    assert list(pareto_chart(frame).data[1].customdata) == ["&lt;i&gt;Acme&lt;/i&gt;"]  # the key accounts' markers
