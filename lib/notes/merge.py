"""Two edits of one note merged line by line (merge3): what merges by itself, and each place both changed for the person to resolve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from merge3 import Merge3

from lib.notes.text import normalise

CHOICES = ("mine", "theirs", "both", "edit")


@dataclass(frozen=True)
class Conflict:
    """A place both people changed differently: the lines each of them has there."""

    mine: tuple[str, ...]
    theirs: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """What to keep at one conflict: mine, theirs, both (mine first), or the place as edited."""

    choice: str  # one of CHOICES
    edited: str = ""  # the text of the place, for "edit"


@dataclass(frozen=True)
class Merge:
    """Two edits of one text: what merged by itself, and the conflicts between, in order."""

    parts: tuple[tuple[str, ...] | Conflict, ...]
    ends_with_newline: bool

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return tuple(part for part in self.parts if isinstance(part, Conflict))

    def text(self, resolutions: Sequence[Resolution] = ()) -> str:
        """The merged text, each conflict resolved as chosen (one resolution per conflict, in order)."""
        if len(resolutions) != len(self.conflicts):
            raise ValueError(f"choose what to keep at each of the {len(self.conflicts)} places you both changed")
        chosen = iter(resolutions)
        lines: list[str] = []
        for part in self.parts:
            lines += _resolved(part, next(chosen)) if isinstance(part, Conflict) else part
        if not lines:
            return ""
        return "\n".join(lines) + ("\n" if self.ends_with_newline else "")


def _resolved(conflict: Conflict, resolution: Resolution) -> list[str]:
    if resolution.choice == "mine":
        return list(conflict.mine)
    if resolution.choice == "theirs":
        return list(conflict.theirs)
    if resolution.choice == "both":
        return [*conflict.mine, *conflict.theirs]
    if resolution.choice == "edit":
        return normalise(resolution.edited).splitlines()
    raise ValueError(f"{resolution.choice!r} is not one of {', '.join(CHOICES)}")


def three_way_merge(base: str, mine: str, theirs: str) -> Merge:
    """Merge two edits of the same base line by line (merge3): changes to different places merge by
    themselves; each place both changed differently is a Conflict for the person to resolve."""
    base_lines, my_lines, their_lines = (normalise(t).splitlines() for t in (base, mine, theirs))
    merger = Merge3(base_lines, my_lines, their_lines)
    parts: list[tuple[str, ...] | Conflict] = []
    for region in merger.reprocess_merge_regions(merger.merge_regions()):
        kind, *bounds = region
        if kind == "conflict":
            _z1, _z2, a1, a2, b1, b2 = bounds
            parts.append(Conflict(tuple(my_lines[a1:a2]), tuple(their_lines[b1:b2])))
        else:
            source = {"unchanged": base_lines, "same": my_lines, "a": my_lines, "b": their_lines}[kind]
            parts.append(tuple(source[bounds[0] : bounds[1]]))
    # The last line's break follows the side that changed the text (both: either has one).
    if my_lines == base_lines:
        newline = normalise(theirs).endswith("\n")
    elif their_lines == base_lines:
        newline = normalise(mine).endswith("\n")
    else:
        newline = normalise(mine).endswith("\n") or normalise(theirs).endswith("\n")
    return Merge(tuple(parts), newline)
