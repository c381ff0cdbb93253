"""Notes typed by people, rendered to HTML that runs nothing, by a CommonMark parser (markdown-it-py).

- Raw HTML is switched off in the parser: a tag shows as the text that was typed.
- Every link stays a link, but one with a scheme other than http, https, mailto or tel (however
  it is disguised: `JavaScript:`, `&#106;avascript:`, `java%09script:`) points at `#`.
- Images load only from Keystone itself (an address without a scheme or a `//host`): one from
  any other host would be fetched by the browser of everyone who reads the note (a tracking
  pixel), so it is shown as a link to its address instead (inside a link, as its text).
- Beside CommonMark: tables, ~~strikethrough~~, task lists (`- [ ]`) and bare addresses made
  links, as Streamlit's own Markdown shows them.

tests/test_markdown_safe.py checks the HTML; tests/browser/test_notes.py and test_note_images.py
check what Chromium finally shows and fetches.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.tasklists import tasklists_plugin

SAFE_SCHEMES = ("http", "https", "mailto", "tel")
DISARMED_DESTINATION = "#"

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# Browsers skip tabs, newlines and control characters inside an address ("java\tscript:").
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def note_html(text: str) -> str:
    """The note as HTML: raw HTML shown as text, no link anywhere unsafe, no image from another host."""
    with _PARSER_LOCK:  # the address finder behind bare links keeps state between calls: one render at a time
        return _PARSER.render(text or "")


def is_safe_url(destination: str) -> bool:
    """True for relative links and the http, https, mailto and tel schemes, however they are disguised."""
    scheme = _SCHEME.match(_compact(destination).lower())
    return scheme is None or scheme.group(1) in SAFE_SCHEMES


def is_local_url(destination: str) -> bool:
    """True for an address on the server that serves the page: no scheme, and no `//host` (nor a disguise of it)."""
    # Browsers read a backslash as a slash ("/\\host" is "//host").
    compact = _compact(destination).replace("\\", "/")
    return _SCHEME.match(compact.lower()) is None and not compact.startswith("//")


def _compact(destination: str) -> str:
    """The address as a browser reads its start: percent-escapes decoded, invisible characters gone."""
    return _INVISIBLE.sub("", unquote(destination))


def _link_open(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    link = tokens[idx]
    if not is_safe_url(str(link.attrGet("href") or "")):
        link.attrSet("href", DISARMED_DESTINATION)
    return renderer.renderToken(tokens, idx, options, env)


def _image(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    image = tokens[idx]
    source = str(image.attrGet("src") or "")
    alt = renderer.renderInlineAsText(image.children or [], options, env)
    if is_local_url(source):
        image.attrSet("alt", alt)
        return renderer.renderToken(tokens, idx, options, env)
    label = escapeHtml(alt.strip() or "image")
    if _inside_link(tokens, idx):  # a link in a link is no HTML: the outer link leads on
        return label
    destination = source if is_safe_url(source) else DISARMED_DESTINATION
    return f'<a href="{escapeHtml(destination)}">{label}</a>'


def _inside_link(tokens: Sequence[Token], idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
    return depth > 0


def _accept_every_link(_url: str) -> bool:
    # The parser's own check would turn a `javascript:` link into its source text; kept as a link,
    # it reads as before and _link_open points it at "#".
    return True


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True})
    parser.enable(["table", "strikethrough", "linkify"])
    parser.use(tasklists_plugin)
    parser.validateLink = _accept_every_link
    parser.add_render_rule("link_open", _link_open)
    parser.add_render_rule("image", _image)
    return parser


_PARSER = _parser()
_PARSER_LOCK = threading.Lock()
