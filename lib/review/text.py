"""Text on a slide: Markdown read as plain text, and lines measured, wrapped and cut to fit a box.

Widths are measured with the font the PDF embeds (DejaVu Sans where the system has it, fpdf2's
Helvetica otherwise). The PowerPoint file names Arial, which runs narrower than DejaVu Sans, so a
line measured to fit here fits there too, whatever font the viewer substitutes.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/local/share/fonts"))
ELLIPSIS = "…"
_NBSP = "\u00a0"
_GLUE = re.compile(r"(\d) (?=(?:k|M|B|%|pts|years)(?!\w))")  # a number stays on the line of its unit: "223 k", "5 %"
_LATIN1_STANDINS = {"…": "...", "·": "-", "≥": ">=", "≤": "<=", "–": "-", "—": "-", "•": "-", "▲": "+", "▼": "-", "✓": "yes"}


@dataclass(frozen=True)
class DeckFont:
    family: str
    regular: Path | None  # None: fpdf2's built-in Helvetica (Latin-1 only)
    bold: Path | None

    @property
    def unicode(self) -> bool:
        return self.regular is not None


@functools.cache
def deck_font() -> DeckFont:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return DeckFont("DejaVu", regular, bold)
    return DeckFont("helvetica", None, None)


def use_deck_font(pdf: FPDF) -> str:
    """Register the deck's font with a document; returns the family name for set_font."""
    font = deck_font()
    if font.unicode:
        pdf.add_font(font.family, "", str(font.regular))
        pdf.add_font(font.family, "B", str(font.bold))
    return font.family


def printable(text: str) -> str:
    """The text as the font can write it: unchanged with DejaVu, Latin-1 stand-ins with Helvetica."""
    if deck_font().unicode:
        return text
    for char, standin in _LATIN1_STANDINS.items():
        text = text.replace(char, standin)
    return text.encode("latin-1", "replace").decode("latin-1")


@functools.cache
def _ruler() -> FPDF:
    pdf = FPDF(unit="in")
    use_deck_font(pdf)
    return pdf


@functools.lru_cache(maxsize=16_384)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text in inches, at a size in points."""
    ruler = _ruler()
    ruler.set_font(deck_font().family, "B" if bold else "", size)
    return ruler.get_string_width(printable(text))


def clip(text: str, width: float, size: float, bold: bool = False) -> str:
    """One line that fits the width: the text, or as much of it as fits followed by an ellipsis."""
    text = " ".join(text.split())
    if text_width(text, size, bold) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, size, bold) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """The text in lines that fit the width (a word longer than a line is cut across lines); blank lines kept."""
    lines: list[str] = []
    for paragraph in _GLUE.sub("\\1" + _NBSP, text).split("\n"):
        bullet = re.match(r"^\s*(?:[•\-]|\d+\.)\s+", paragraph)
        hang = "   " if bullet else ""  # continuation lines of a list item stand in from its bullet
        line = ""
        for word in paragraph.split(" "):
            if not word:
                continue
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
                line = hang + word
            else:
                line = word
            while text_width(line, size, bold) > width and len(line) > 1:
                cut = _longest_fitting(line, width, size, bold)
                lines.append(line[:cut])
                line = hang + line[cut:]
        lines.append(line)
    return [x.replace(_NBSP, " ") for x in lines]


def _longest_fitting(text: str, width: float, size: float, bold: bool) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle], size, bold) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def fit_lines(lines: list[str], most: int, more: str = "{n} more lines") -> list[str]:
    """At most `most` lines; when some are cut, the last one says how many (e.g. '… 12 more lines')."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if len(lines) <= most:
        return lines
    kept = lines[: max(most - 1, 0)]
    return [*kept, f"{ELLIPSIS} {more.format(n=len(lines) - len(kept))}"]


# --- Markdown as plain text ---------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(\[[ xX]\]\s+)?")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|</?[A-Za-z][^<>]*>", re.DOTALL | re.IGNORECASE)
_CODE = re.compile(r"(`+)(.+?)\1")
_EMPHASIS = (
    re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"),
    re.compile(r"__(?=\S)(.+?)(?<=\S)__"),
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"),
    re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"),
)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain_text(markdown: str) -> str:
    """A note as plain, readable text: no Markdown marks, links as their text, and never any HTML."""
    out: list[str] = []
    fenced = False
    for raw in (markdown or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(raw):
            fenced = not fenced
            continue
        if fenced:
            out.append("    " + _TAG.sub("", raw).rstrip())
            continue
        if not (_TABLE_RULE.match(raw) or _REFERENCE.match(raw)):
            out.append(_plain_line(raw))
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _plain_line(line: str) -> str:
    if _RULE.match(line):
        return ""
    heading = _HEADING.match(line)
    if heading:
        line = heading.group(1)
    line = _QUOTE.sub("", line)
    line = _BULLET.sub(lambda m: m.group(1) + "• ", line)
    if line.strip().startswith("|") or line.count(" | ") >= 1 and line.strip().endswith("|"):
        line = " · ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
    return _inline(line).rstrip()


def _inline(text: str) -> str:
    kept: list[str] = []  # code spans and escaped characters, as written: no mark inside them is read

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    text = _ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = _CODE.sub(lambda m: keep(m.group(2).strip()), text)
    text = _TAG.sub("", text)
    text = _IMAGE.sub(lambda m: f"[image: {m.group(1)}]" if m.group(1) else "[image]", text)
    text = _LINK.sub(_link_text, text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    text = re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)
    return _TAG.sub("", html.unescape(text))  # tags spelled by entities or escapes go too: a slide shows no markup


def _link_text(match: re.Match) -> str:
    label, target = match.group(1), match.group(2)
    if target.lower().startswith(("http://", "https://")) and target not in label:
        return f"{label} ({target})"
    return label
