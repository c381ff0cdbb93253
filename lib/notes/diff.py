"""Two versions of a note compared: lines added and removed, and a side-by-side view with the changed words marked."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from lib.notes.text import normalise


def diff_stats(old: str, new: str) -> tuple[int, int]:
    """(lines added, lines removed) from old to new."""
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, normalise(old).splitlines(), normalise(new).splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, removed


Piece = tuple[str, bool]  # a run of a line's text, and whether it changed


@dataclass(frozen=True)
class DiffLine:
    """One row of a side-by-side comparison: a line of the old text beside a line of the new."""

    kind: str  # "same", "changed", "removed", "added", or "skipped" (unchanged lines left out)
    old_number: int | None = None  # from 1; None where the old text has no line here
    old: tuple[Piece, ...] = ()
    new_number: int | None = None
    new: tuple[Piece, ...] = ()
    skipped: int = 0


def side_by_side(old: str, new: str, context: int = 2) -> list[DiffLine]:
    """The change from old to new line by line, with the changed words of a changed line marked.

    Unchanged lines further than `context` from a change are folded into one "skipped" row.
    Empty when the texts are equal.
    """
    old_lines, new_lines = normalise(old).splitlines(), normalise(new).splitlines()
    if old_lines == new_lines:
        return []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows: list[DiffLine] = []
    opcodes = matcher.get_opcodes()
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            keep_head = context if position > 0 else 0
            keep_tail = context if position < len(opcodes) - 1 else 0
            rows += _unchanged(old_lines, i1, i2, j1, keep_head, keep_tail)
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        for n in range(max(len(olds), len(news))):
            i = olds[n] if n < len(olds) else None
            j = news[n] if n < len(news) else None
            if i is not None and j is not None:
                old_pieces, new_pieces = _changed_words(old_lines[i], new_lines[j])
                rows.append(DiffLine("changed", i + 1, old_pieces, j + 1, new_pieces))
            elif i is not None:
                rows.append(DiffLine("removed", i + 1, ((old_lines[i], True),)))
            else:
                rows.append(DiffLine("added", new_number=j + 1, new=((new_lines[j], True),)))
    return rows


def _unchanged(lines: list[str], i1: int, i2: int, j1: int, keep_head: int, keep_tail: int) -> list[DiffLine]:
    def same(i: int) -> DiffLine:
        return DiffLine("same", i + 1, ((lines[i], False),), j1 + i - i1 + 1, ((lines[i], False),))

    if i2 - i1 <= keep_head + keep_tail + 1:
        return [same(i) for i in range(i1, i2)]
    head = [same(i) for i in range(i1, i1 + keep_head)]
    tail = [same(i) for i in range(i2 - keep_tail, i2)]
    return [*head, DiffLine("skipped", skipped=i2 - i1 - keep_head - keep_tail), *tail]


def _changed_words(old: str, new: str) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    """Both lines in pieces, the words that differ marked; a line rewritten throughout is marked whole."""
    old_words, new_words = re.findall(r"\s+|\w+|[^\w\s]", old), re.findall(r"\s+|\w+|[^\w\s]", new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.ratio() < 0.4:
        return ((old, True),), ((new, True),)
    old_pieces: list[Piece] = []
    new_pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            old_pieces.append(("".join(old_words[i1:i2]), tag != "equal"))
        if j2 > j1:
            new_pieces.append(("".join(new_words[j1:j2]), tag != "equal"))
    return tuple(old_pieces), tuple(new_pieces)
