"""The text of a note: one kind of line break, and the marks a merge tool leaves where two edits collide."""

from __future__ import annotations

import re


def normalise(body: str) -> str:
    """One kind of line break, so that the same text typed in any browser compares equal."""
    return (body or "").replace("\r\n", "\n").replace("\r", "\n")


# What a merge tool leaves where two edits collide: <<<<<<< and >>>>>>> open and close a block,
# ======= divides it. A line of seven "=" alone is also a Markdown heading's underline, so it
# counts as a mark only in a text that holds an opening or closing mark too.
_OUTER_MARK = re.compile(r"^(<{7}|>{7})")
_DIVIDER_MARK = re.compile(r"^={7}[ \t]*$")


def conflict_marker_lines(body: str) -> list[int]:
    """The numbers (from 1) of the lines that are conflict marks: <<<<<<<, >>>>>>>, and ======= beside them."""
    lines = normalise(body).split("\n")
    outer = [number for number, line in enumerate(lines, 1) if _OUTER_MARK.match(line)]
    if not outer:
        return []
    dividers = [number for number, line in enumerate(lines, 1) if _DIVIDER_MARK.match(line)]
    return sorted(outer + dividers)


def line_list(numbers: list[int]) -> str:
    """Line numbers as words: "line 3", "lines 2, 4 and 6"."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
