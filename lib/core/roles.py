"""The roles of Keystone and what each may write: the one place these rules are written down."""

from __future__ import annotations

VIEWER, EDITOR, ADMIN = "viewer", "editor", "admin"
ROLES = (VIEWER, EDITOR, ADMIN)
EDIT_ROLES = (EDITOR, ADMIN)  # review notes, action items, stakeholders, interactions, criteria drafts
APPROVE_ROLES = (ADMIN,)  # approve criteria sets
IMPORT_ROLES = (ADMIN,)  # load data


def can_edit(role: str) -> bool:
    return role in EDIT_ROLES


def can_approve(role: str) -> bool:
    return role in APPROVE_ROLES
