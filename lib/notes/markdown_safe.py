"""Notes typed by people, made inert before they reach st.markdown.

Checked in Chromium with Streamlit 1.67: st.markdown without unsafe_allow_html shows raw HTML as
escaped text and rewrites `javascript:` links to `#`. This module does not rely on that (a
frontend upgrade could change it, and other schemes such as `data:` or `vbscript:` are not
covered there): every `<` outside code is escaped, so tags show as the text that was typed, and
link and image destinations with a scheme other than http, https, mailto or tel become `#`.
Images load only from Keystone itself (a relative address): one from any other host would be
fetched by the browser of everyone who reads the note (a tracking pixel), so it becomes a link.
Both layers stay; tests/browser/test_notes.py checks what the browser finally shows.
"""

from __future__ import annotations

import html
import re

SAFE_SCHEMES = ("http", "https", "mailto", "tel")
DISARMED_DESTINATION = "#"

# Only unindented fences count as code: an indented one may belong to a list item that ends
# before its closing fence, and what follows it must then be escaped like any other text.
_FENCE_OPEN = re.compile(r"^(`{3,}(?=[^`]*$)|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*\r?\n?$")
_REFERENCE = re.compile(r"^( {0,3}\[(?:[^\]\\\n]|\\.)+\]:[ \t]*)(<[^>\n]*>|\S+)", re.MULTILINE)
_SAFE_AUTOLINK = re.compile(r"<(?:https?|mailto):[^\s<>]*>", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def safe_markdown(text: str) -> str:
    """The note as Markdown that shows raw HTML as text and links nowhere unsafe."""
    return "".join(part if is_code else _disarm(part) for part, is_code in _split_code(text or ""))


def is_safe_url(destination: str) -> bool:
    """True for relative links and the http, https, mailto and tel schemes, however they are disguised."""
    decoded = _BACKSLASH_ESCAPE.sub(r"\1", html.unescape(destination.strip().strip("<>")))
    # Browsers ignore tabs, newlines and control characters inside a scheme ("java\tscript:").
    compact = _INVISIBLE.sub("", decoded).lower()
    scheme = _SCHEME.match(compact)
    return scheme is None or scheme.group(1) in SAFE_SCHEMES


def is_local_url(destination: str) -> bool:
    """True for an address on the server that serves the page: no scheme, and no `//host` (nor a disguise of it)."""
    decoded = _BACKSLASH_ESCAPE.sub(r"\1", html.unescape(destination.strip().strip("<>")))
    # Browsers read a backslash as a slash and skip tabs and newlines in an address ("/\\host", "/\t/host").
    compact = _INVISIBLE.sub("", decoded).replace("\\", "/")
    return _SCHEME.match(compact.lower()) is None and not compact.startswith("//")


def _split_code(text: str) -> list[tuple[str, bool]]:
    """The text cut into (part, is_code): fenced blocks and inline code spans are left as typed."""
    parts: list[tuple[str, bool]] = []
    prose: list[str] = []
    fence: str | None = None
    code: list[str] = []
    for line in text.splitlines(keepends=True):
        if fence is None:
            opened = _FENCE_OPEN.match(line)
            if opened:
                parts.extend(_split_inline_code("".join(prose)))
                prose, fence, code = [], opened.group(1), [line]
            else:
                prose.append(line)
            continue
        code.append(line)
        closing = _FENCE_CLOSE.match(line)
        if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
            parts.append(("".join(code), True))
            fence, code = None, []
    if code:
        parts.append(("".join(code), True))
    parts.extend(_split_inline_code("".join(prose)))
    return [(part, is_code) for part, is_code in parts if part]


def _split_inline_code(text: str) -> list[tuple[str, bool]]:
    """Inline code spans: a run of backticks up to the next run of the same length on the same line.

    (CommonMark lets a span run over several lines, but a paragraph may end in between; keeping to
    one line means every span found here is a span for any Markdown renderer.)
    """
    parts: list[tuple[str, bool]] = []
    start = position = 0
    while True:
        opening = text.find("`", position)
        if opening < 0:
            break
        run_end = opening
        while run_end < len(text) and text[run_end] == "`":
            run_end += 1
        ticks = text[opening:run_end]
        closing = _find_run(text, ticks, run_end)
        if closing < 0 or "\n" in text[run_end:closing] or _escaped(text, opening):
            position = run_end
            continue
        parts.append((text[start:opening], False))
        parts.append((text[opening : closing + len(ticks)], True))
        start = position = closing + len(ticks)
    parts.append((text[start:], False))
    return parts


def _find_run(text: str, ticks: str, position: int) -> int:
    while True:
        found = text.find(ticks, position)
        if found < 0:
            return -1
        end = found + len(ticks)
        if end < len(text) and text[end] == "`":  # a longer run does not close it
            while end < len(text) and text[end] == "`":
                end += 1
            position = end
            continue
        return found


def _escaped(text: str, index: int) -> bool:
    """Whether the character at index is preceded by an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _disarm(text: str) -> str:
    text = _REFERENCE.sub(lambda m: m.group(1) + (m.group(2) if is_safe_url(m.group(2)) else DISARMED_DESTINATION), text)
    text = _images_as_links(text)
    text = _disarm_inline_links(text)
    return _escape_tags(text)


def _images_as_links(text: str) -> str:
    """Every image that is not served by Keystone itself (see is_local_url) made a link to the same address.

    An image given by reference (`![alt][ref]`, `![alt]`) always becomes a link: its address is elsewhere.
    """
    out: list[str] = []
    position = 0
    while True:
        found = text.find("![", position)
        if found < 0:
            out.append(text[position:])
            return "".join(out)
        closing = _closing_bracket(text, found + 1)
        if _escaped(text, found) or closing < 0:
            out.append(text[position : found + 2])
            position = found + 2
            continue
        if text.startswith("(", closing + 1):
            start = closing + 2
            while start < len(text) and text[start] in " \t":
                start += 1
            if is_local_url(text[start : _destination_end(text, start)]):
                out.append(text[position : closing + 1])
                position = closing + 1
                continue
        alt = text[found + 2 : closing]
        out.append(text[position:found] + "[" + (alt if alt.strip() else "image") + "]")
        position = closing + 1


def _closing_bracket(text: str, opening: int) -> int:
    """The index of the `]` that closes the `[` at opening (-1 when none does before the paragraph ends)."""
    depth = 0
    index = opening
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        elif text.startswith("\n\n", index):
            return -1
        index += 1
    return -1


def _disarm_inline_links(text: str) -> str:
    """Replace unsafe destinations after every `](`, whether or not it really is a link (safe either way)."""
    out: list[str] = []
    position = 0
    while True:
        found = text.find("](", position)
        if found < 0:
            out.append(text[position:])
            return "".join(out)
        start = found + 2
        while start < len(text) and text[start] in " \t":
            start += 1
        end = _destination_end(text, start)
        destination = text[start:end]
        out.append(text[position:start])
        out.append(destination if not destination or is_safe_url(destination) else DISARMED_DESTINATION)
        position = end


def _destination_end(text: str, start: int) -> int:
    if start < len(text) and text[start] == "<":
        closing = text.find(">", start)
        newline = text.find("\n", start)
        if closing >= 0 and (newline < 0 or closing < newline):
            return closing + 1
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            index += 2
            continue
        if char.isspace() or ord(char) < 0x20:
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    return index


def _escape_tags(text: str) -> str:
    """Backslash-escape every `<` that is not escaped yet, except autolinks to safe addresses."""
    out: list[str] = []
    position = 0
    for index, char in enumerate(text):
        if char != "<" or index < position:
            continue
        if _SAFE_AUTOLINK.match(text, index):
            continue
        out.append(text[position:index])
        out.append("<" if _escaped(text, index) else "\\<")
        position = index + 1
    out.append(text[position:])
    return "".join(out)
