"""The words of the stakeholder data: levels, roles, stances and channels (import, demo and pages use these)."""

from __future__ import annotations

LEVELS = ("exec", "senior", "manager", "staff")
STAKEHOLDER_ROLES = ("economic buyer", "decision maker", "champion", "influencer", "user")
KEY_ROLES = ("economic buyer", "champion")  # the people a bus factor counts
STANCES = ("supporter", "neutral", "detractor", "unknown")
CHANNELS = ("meeting", "call", "email", "QBR")
