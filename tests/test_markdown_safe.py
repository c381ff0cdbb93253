"""Notes rendered inert: raw HTML as text, unsafe links leading nowhere, images only from Keystone
itself, and a normal note rendered as Markdown reads (lib.notes.markdown_safe)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as hs
from markdown_it import MarkdownIt

from lib.notes.markdown_safe import is_local_url, is_safe_url, note_html
from lib.ui.notes.show import note_block


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("a <img src=x onerror=alert(1)> b", "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>"),
        ("[click](javascript:alert(1))", '<p><a href="#">click</a></p>'),
        ("[click](JavaScript:alert(1))", '<p><a href="#">click</a></p>'),
        ("[x](&#106;avascript:alert(1))", '<p><a href="#">x</a></p>'),
        ("[x](java%0Ascript:alert(1))", '<p><a href="#">x</a></p>'),
        ("[x](<java\tscript:alert(1)>)", '<p><a href="#">x</a></p>'),
        ("[x](java\\script:alert(1))", '<p><a href="java%5Cscript:alert(1)">x</a></p>'),  # no scheme: a relative path
        ("[x]( vbscript:msgbox(1) )", '<p><a href="#">x</a></p>'),
        ("![x](data:text/html;base64,PHNjcmlwdD4=)", '<p><a href="#">x</a></p>'),
        ("[x](<javascript:alert(1)>)", '<p><a href="#">x</a></p>'),
        ("[ref]: javascript:alert(1)\n\n[go][ref]", '<p><a href="#">go</a></p>'),
        (
            "[ok](https://example.com/a_(b)) and [mail](mailto:a@b.c) and [call](tel:+4912345)",
            '<p><a href="https://example.com/a_(b)">ok</a> and <a href="mailto:a@b.c">mail</a> and '
            '<a href="tel:+4912345">call</a></p>',
        ),
        (
            "<https://example.com> <javascript:alert(1)>",
            '<p><a href="https://example.com">https://example.com</a> <a href="#">javascript:alert(1)</a></p>',
        ),
        ("`<b>` stays code, <b> does not", "<p><code>&lt;b&gt;</code> stays code, &lt;b&gt; does not</p>"),
        (
            "```html\n<script>x</script>\n```\n<i>",
            '<pre><code class="language-html">&lt;script&gt;x&lt;/script&gt;\n</code></pre>\n<p>&lt;i&gt;</p>',
        ),
        ('```js" onload="alert(1)\nx\n```', '<pre><code class="language-js&quot;">x\n</code></pre>'),
        (
            '[t](https://example.com "a \\" onmouseover=alert(1) x")',
            '<p><a href="https://example.com" title="a &quot; onmouseover=alert(1) x">t</a></p>',
        ),
        ("\\<already escaped", "<p>&lt;already escaped</p>"),
        ("2 < 3 and **bold**", "<p>2 &lt; 3 and <strong>bold</strong></p>"),
    ],
)
def test_html_shows_as_text_and_unsafe_links_lead_nowhere(typed, shown):
    assert note_html(typed) == shown + "\n"


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("![pixel](http://evil.example/p.png)", '<a href="http://evil.example/p.png">pixel</a>'),
        ("a ![](https://evil.example/p.png) b", 'a <a href="https://evil.example/p.png">image</a> b'),
        ("![x](//evil.example/p.png)", '<a href="//evil.example/p.png">x</a>'),
        ("![x](/\\evil.example/p.png)", '<a href="/%5Cevil.example/p.png">x</a>'),
        ("![x](&#47;/evil.example/p.png)", '<a href="//evil.example/p.png">x</a>'),
        ("![x]( <HTTPS://evil.example/p.png> 'title')", '<a href="HTTPS://evil.example/p.png">x</a>'),
        ("![a [b] c](http://evil.example/p.png)", '<a href="http://evil.example/p.png">a [b] c</a>'),
        ("[![x](http://evil.example/p.png)](https://example.com)", '<a href="https://example.com">x</a>'),
        ("![x][ref]\n\n[ref]: http://evil.example/p.png", '<a href="http://evil.example/p.png">x</a>'),
        (
            '![logo](/app/static/logo.png) ![chart](static/chart.png "Chart")',
            '<img src="/app/static/logo.png" alt="logo" /> <img src="static/chart.png" alt="chart" title="Chart" />',
        ),
        ("\\![x](http://evil.example/p.png)", '!<a href="http://evil.example/p.png">x</a>'),  # escaped: a "!" and a link
        ("`![x](http://evil.example/p.png)`", "<code>![x](http://evil.example/p.png)</code>"),  # code: as typed
        ("Wow![ not an image", "Wow![ not an image"),
    ],
)
def test_images_from_another_host_become_links(typed, shown):
    assert note_html(typed) == f"<p>{shown}</p>\n"


def test_a_normal_note_reads_as_markdown():
    note = (
        "## Highlights\n\n**Renewal** signed, see [the deal](https://crm.example.com/42) or https://example.org\n\n"
        "- usage steady\n  - in every region\n- [ ] send the proposal\n\n1. price\n2. champion\n\n> the CFO\n\n"
        "| Product | Revenue |\n| --- | ---: |\n| Core | 1,200 |\n\n```python\nrenew()\n```\n\n~~old~~ `code`\n"
    )
    html = note_html(note)
    for part in (
        "<h2>Highlights</h2>",
        "<strong>Renewal</strong>",
        '<a href="https://crm.example.com/42">the deal</a>',
        '<a href="https://example.org">https://example.org</a>',  # a bare address is a link, as in Streamlit
        "<li>usage steady\n<ul>\n<li>in every region</li>",
        '<input class="task-list-item-checkbox" disabled="disabled" type="checkbox"> send the proposal',
        "<ol>\n<li>price</li>",
        "<blockquote>\n<p>the CFO</p>",
        '<th style="text-align:right">Revenue</th>',
        '<td style="text-align:right">1,200</td>',
        '<pre><code class="language-python">renew()\n</code></pre>',
        "<s>old</s> <code>code</code>",
    ):
        assert part in html, part
    assert note_html("Renewal\n=======\n") == "<h1>Renewal</h1>\n"


def test_local_urls():
    assert is_local_url("/app/static/logo.png") and is_local_url("logo.png") and is_local_url("")
    for outside in ("http://evil.example/p.png", "//evil.example", "/\\evil.example", "/\t/evil.example", "%2F%2Fevil.example"):
        assert not is_local_url(outside), outside


def test_safe_urls():
    assert is_safe_url("https://example.com") and is_safe_url("/relative") and is_safe_url("#anchor")
    assert is_safe_url("mailto:x@y.z") and is_safe_url("tel:+4912345")
    for bad in (
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "java\tscript:x",
        "java%09script:x",
        "vbscript:x",
        "data:text/html,x",
        "file:///etc/passwd",
    ):
        assert not is_safe_url(bad), bad


# --- whatever is typed -----------------------------------------------------------------------------

MARKDOWN_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "hr", "br", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "input",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "code": {"class"}}
ATTRIBUTES |= {"th": {"style"}, "td": {"style"}, "ul": {"class"}, "li": {"class"}}
ATTRIBUTES |= {"input": {"class", "type", "disabled", "checked"}}


class Elements(HTMLParser):
    """Every start tag with its attributes, values as the browser reads them (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def browser_scheme(url: str) -> str | None:
    """The scheme as a browser finds it: outer blanks and controls trimmed, tabs and newlines dropped."""
    url = re.sub(r"[\t\n\r]", "", re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", url))
    found = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", url)
    return found.group(1).lower() if found else None


TRICKY = hs.sampled_from(
    ["<", ">", "[", "]", "(", ")", "!", ":", "/", "\\", '"', "'", "&", "#", ";", "*", "_", "`", "-", "|", "=",
     " ", "\t", "\n", "\n\n", "javascript", "JaVa\tScript", "data", "vbscript", "script", "img", "onerror=",
     "http", "https://", "//evil.example", "www.", "@x.org", "&#106;", "%09", "%2F", "- [ ] ", "```", "    "]
)  # fmt: skip
DESTINATIONS = hs.sampled_from(
    ["javascript:alert(1)", "JaVaScRiPt:x", "&#106;avascript:x", "java%09script:x", "<java\tscript:x>", "vbscript:x",
     "data:text/html,x", "http://evil.example/p.png", "//evil.example/p.png", "/\\evil.example", "&#47;/evil.example",
     "<https://evil.example/p.png>", "/app/static/logo.png", "logo.png", "mailto:a@b.c", "#top", ""]
)  # fmt: skip
PIECES = hs.one_of(TRICKY, hs.text(max_size=3), hs.text(max_size=3))
LINKS = hs.tuples(
    hs.sampled_from(
        ["[{0}]({1})", "![{0}]({1})", "<{1}>", "[{0}]: {1}\n\n[x][{0}]", "![{0}][r]\n\n[r]: {1}", "```\n{0}\n\n{1}\n```"]
    ),
    PIECES,
    DESTINATIONS,
)
NOTES = hs.lists(hs.one_of(PIECES, LINKS.map(lambda t: t[0].format(t[1], t[2]))), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(NOTES)
def test_whatever_is_typed_the_html_holds_only_markdown_safe_links_and_local_images(typed):
    parsed = Elements()
    parsed.feed(note_html(typed))
    for tag, attrs in parsed.tags:
        assert tag in MARKDOWN_TAGS, (tag, typed)
        assert set(attrs) <= ATTRIBUTES.get(tag, set()), (tag, attrs, typed)
        if tag == "a":
            assert browser_scheme(attrs.get("href", "")) in (None, "http", "https", "mailto", "tel"), (attrs, typed)
        if tag == "img":
            source = attrs["src"].replace("\\", "/").lstrip(" \t\n")
            assert browser_scheme(source) is None and not source.startswith("//"), (attrs, typed)


@settings(max_examples=200, deadline=None)
@given(NOTES)
@example("```\ncode\n\n![x](http://evil.example/p.png)\n```")
def test_st_markdown_reads_a_rendered_note_as_one_html_block(typed):
    # Streamlit's Markdown parser follows CommonMark: a CommonMark parser with HTML on must find
    # one HTML block holding the whole note, so no part of it is read as Markdown a second time.
    block = note_block(note_html(typed))
    tokens = MarkdownIt("commonmark").parse(block)
    assert [t.type for t in tokens] == ["html_block"] and tokens[0].content.rstrip("\n") == block
