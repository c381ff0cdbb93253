"""Text from the data (names of accounts, owners, segments, people, competitors, criteria sets)
shown exactly as it was typed, in elements that render Markdown.

Titles, captions, alerts, toasts, labels, tooltips and metric values are Markdown in Streamlit: a
name such as `![x](http://host/p.png)` loads an image from that host, `[a](http://x)` becomes a
link, `:red[a]` colours, `$x^2$` is typeset and `<i>` is read as a tag. `plain` backslash-escapes
every character that can open or close a Markdown construct (CommonMark, GitHub's extensions and
Streamlit's directives), the few that count only at the start (`- `, `1.`, `> `) or in an address
(`&amp;`) where they count, and folds line breaks into spaces. GitHub's bare autolinks
(`http://…`, `www.…`, `a@b.example`) and emoji shortcodes (`:smile:`) are found in the text after
its escapes are read, where escapes cannot help: an invisible word joiner breaks those patterns.
Characters that start nothing (`-` inside a word, `.`, `(`, `!` once `[` is escaped) stay as they
are, so ids such as ACC-000132 read the same in the page source as on screen.
"""

from __future__ import annotations

import re

_ALWAYS = re.compile(r"([\\`*_{}\[\]<>#|~$:@])")
_AT_START = re.compile(r"^([-+=]|\d+[.)])")  # a list item, a setext underline, an ordered list
_ENTITY = re.compile(r"&(?=#?\w+;)")
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)")  # after "http:", "www", "@"
_WHITESPACE = re.compile(r"\s+")  # a line break, or four spaces at the start (a code block)
_SHORTCODE = re.compile(r":(?=[\w+-]+:)")
WORD_JOINER = "\u2060"  # invisible, zero width: splits "http://" or ":smile:" so that no pattern matches


def plain(text: object) -> str:
    """The text as Markdown that shows exactly these characters (None shows as nothing)."""
    value = _WHITESPACE.sub(" ", "" if text is None else str(text)).strip()
    value = _AUTOLINK.sub(WORD_JOINER, _SHORTCODE.sub(":" + WORD_JOINER, value))
    value = _ENTITY.sub(r"\\&", _ALWAYS.sub(r"\\\1", value))
    return _AT_START.sub(lambda found: found.group(1)[:-1] + "\\" + found.group(1)[-1], value)
