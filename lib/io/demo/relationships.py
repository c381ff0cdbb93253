"""The demo's relationships: who of ours meets whom of theirs, how often, with what stance and note.

Drawn from a generator of their own (seeded from the demo's seed), so retuning them never moves a
revenue, wallet, survey or note figure. The stakeholders on record (names, titles, levels, roles)
come from the demo's main stream, as they always did (their number counts in key-account criteria);
this module gives them a stance and an owner of ours, records a thin account's other champions as
influencers, and draws the year of interactions to the last quarter's end.

What it aims at, by DESIGN.md's definitions (lib.relationships.metrics), on the default demos: about a
fifth of the key accounts single-threaded, a few with bus factor 1, some champions nobody met in the
last 90 days, and a long tail of small accounts known through one or two people.

- Every account has a coverage, the larger accounts the better ones: thin (one contact of theirs,
  a key person, who is the only champion we know; the others met now and then, if at all), normal
  (most of their people met, key people by two of ours) or deep (nearly everyone, key people by two
  or three of ours).
- Each stakeholder met has a first contact of ours (the account owner, or a colleague: customer
  success, a solutions engineer, an executive sponsor for their executives), sometimes a second and a
  third. A pair meets on a cadence (a few times a year, give or take some days); people met now and
  then, at random days, about once a year: some champions are among them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from lib.core.quarters import quarter_end, quarter_start
from lib.io.demo.facts import owner_count
from lib.io.demo.names import owner_names
from lib.relationships.vocabulary import CHANNELS, KEY_ROLES, LEVELS, STAKEHOLDER_ROLES, STANCES

RELATIONSHIP_STREAM = 11  # mixed with the demo's seed: the relationships' own generator
YEAR = 365
THIN, NORMAL, DEEP = 0, 1, 2
# By size (from which share of the accounts, by revenue over the last four quarters, it is larger): the
# chance of a thin, normal and deep coverage. The largest accounts, the likely key ones, are the best known.
COVERAGE_BY_SIZE = ((0.85, (0.27, 0.30, 0.43)), (0.5, (0.25, 0.60, 0.15)), (0.0, (0.35, 0.60, 0.05)))
# Pairs (someone who is not a key person, a key person: economic buyer or champion).
ENGAGED = {NORMAL: (0.70, 0.99), DEEP: (0.85, 1.0)}  # the chance they are met at all
SECOND_CONTACT = {THIN: (0.0, 0.5), NORMAL: (0.08, 0.98), DEEP: (0.2, 0.99)}  # the chance of a second one of ours
THIRD_CONTACT = {THIN: (0.0, 0.0), NORMAL: (0.0, 0.2), DEEP: (0.05, 0.4)}  # and of a third, after a second
THIN_OTHERS = (0.3, 0.9)  # in a thin account, the chance someone besides the one contact is met now and then
STALE_CHAMPION = 0.15  # the chance a champion of a normal or deep account is met only now and then
NOW_AND_THEN = (0.4, 1.2)  # meetings a year, at random days, with someone met now and then
# Meetings a year, on a cadence: the first one of ours by their role, then a second and a third.
FIRST_RATE = (4.0, 3.5, 4.0, 2.5, 2.0)  # per STAKEHOLDER_ROLES
SECOND_RATE, THIRD_RATE = (1.5, 3.0), (1.0, 2.5)
SEGMENT_PACE = (1.1, 0.85, 0.6)  # Enterprise, Mid-Market, SMB: the rates above times this
NOTED = 0.9  # the share of interactions with a note
CHANNEL_WEIGHTS = (0.35, 0.3, 0.3, 0.05)  # of CHANNELS
# The colleagues of an account's owner (customer success, solutions engineer, executive sponsor): how likely
# each is someone's contact, for (their executives, everyone else).
COLLEAGUE_WEIGHTS = ((0.3, 0.55), (0.2, 0.45), (0.5, 0.0))
# Notes by whom they were with: economic buyers and decision makers, champions and influencers, users.
NOTES = (
    (
        "Budget for next year confirmed; renewal on track",
        "Asked for a business case before signing the expansion",
        "Reviewed pricing and contract terms for the renewal",
        "Wants a clear ROI story for the board",
        "Procurement process changes from next quarter",
        "Raised concerns about cost versus the competitor's offer",
        "Agreed to sponsor the pilot in a second division",
    ),
    (
        "Walked through adoption figures; wants to present them internally",
        "Introduced us to the new head of operations",
        "Shared the internal roadmap and where we fit",
        "Keen on the pilot; asked for references in their industry",
        "Flagged friction with the support team",
        "Will push for the analytics add-on in the next budget round",
        "Worried about the reorganisation; asked us to stay close",
    ),
    (
        "Training session for the new team members",
        "Follow-up on two open support tickets",
        "Feedback on the latest release: mostly positive",
        "Asked for a workshop on reporting",
        "Onboarding call for the second site",
        "Requested better documentation for the integration",
    ),
)
NOTE_GROUP_OF_ROLE = (0, 0, 1, 1, 2)  # per STAKEHOLDER_ROLES: the group of NOTES its notes come from
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def relationship_generator(seed: int) -> np.random.Generator:
    """The relationships' own random stream for a demo seed."""
    return np.random.default_rng([RELATIONSHIP_STREAM, seed])


def draw_relationships(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    traits: pd.DataFrame,
    revenue: pd.DataFrame,
    stakeholders: pd.DataFrame,
    active: np.ndarray,
    quarters: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stakeholders with their stance and owner of ours, and the year of interactions to the last quarter's end."""
    segment = traits["segment_code"].to_numpy()
    account_row = stakeholders["account_id"].to_numpy() - 1
    role = stakeholders["role"].to_numpy(dtype=object)
    is_exec = stakeholders["level"].to_numpy(dtype=object) == LEVELS[0]

    coverage = _coverage(rng, _size(revenue, len(accounts), quarters[-4:]))[account_row]
    one_contact = _one_contact(rng, account_row, np.isin(role, KEY_ROLES))
    # What makes a thin account thin: nobody of ours knows more of their champions than the one contact.
    role = np.where((coverage == THIN) & ~one_contact & (role == "champion"), "influencer", role)
    key = np.isin(role, KEY_ROLES)
    met, now_and_then = _who_is_met(rng, coverage, one_contact, role)
    team = _team(rng, accounts)
    pairs = _pairs(rng, team, account_row, coverage, met, now_and_then, key, is_exec, role, segment[account_row])
    days = _meeting_days(accounts, traits, active, quarters)[account_row]
    people = stakeholders.assign(role=role)
    interactions = _interactions(rng, people, pairs, days)
    first_contact = pairs.drop_duplicates("stakeholder", keep="first").set_index("stakeholder")["person"]
    owner = accounts["owner"].to_numpy(dtype=object)[account_row]
    people = people.assign(
        stance=_stances(rng, traits["sentiment"].to_numpy()[account_row], met),
        our_owner=first_contact.reindex(np.arange(len(stakeholders))).fillna(pd.Series(owner)).to_numpy(dtype=object),
    )
    return people, interactions


def _size(revenue: pd.DataFrame, count: int, quarters: list[str]) -> np.ndarray:
    """Per account: the share of the accounts with less revenue over these quarters (0 for the smallest)."""
    recent = revenue[revenue["quarter"].isin(quarters)]
    total = np.bincount(recent["account_id"].to_numpy() - 1, weights=recent["revenue_cents"].to_numpy(), minlength=count)
    return (pd.Series(total).rank(method="min").to_numpy() - 1) / max(count, 1)


def _coverage(rng: np.random.Generator, size: np.ndarray) -> np.ndarray:
    """Per account: THIN, NORMAL or DEEP, by the weights of its size."""
    weights = np.zeros((len(size), 3))
    for smallest, chances in reversed(COVERAGE_BY_SIZE):
        weights[size >= smallest] = chances
    cumulative = np.cumsum(weights, axis=1)
    return (rng.random(len(size))[:, None] >= cumulative[:, :-1]).sum(axis=1)


def _one_contact(rng: np.random.Generator, account_row: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per stakeholder: whether they are their account's one contact if it is thin (a key person, any of them)."""
    preference = rng.random(len(account_row)) + key
    order = np.lexsort((-preference, account_row))
    first_of_account = order[np.r_[True, account_row[order][1:] != account_row[order][:-1]]] if len(order) else order
    one_contact = np.zeros(len(account_row), dtype=bool)
    one_contact[first_of_account] = True
    return one_contact


def _who_is_met(
    rng: np.random.Generator, coverage: np.ndarray, one_contact: np.ndarray, role: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per stakeholder: met at all in the year, and met only now and then (by one of ours, a year or so apart).

    A thin account's one contact is met; the others now and then, its economic buyer more likely than
    the rest. Rates rather than dates make someone stale: every quarter of the year then has as many
    stale people as the last, and the cards' change against the previous quarter tells no story the
    demo did not mean.
    """
    count = len(coverage)
    key = np.isin(role, KEY_ROLES)
    chance = np.zeros(count)
    for level, (other, key_person) in ENGAGED.items():
        chance = np.where(coverage == level, np.where(key, key_person, other), chance)
    met = rng.random(count) < chance
    thin = coverage == THIN
    others = ~one_contact & (rng.random(count) < np.take(THIN_OTHERS, key))
    stale_champion = met & (role == "champion") & (rng.random(count) < STALE_CHAMPION)
    now_and_then = np.where(thin, others, stale_champion)
    return np.where(thin, one_contact | others, met), now_and_then


def _team(rng: np.random.Generator, accounts: pd.DataFrame) -> np.ndarray:
    """Per account: the owner and its customer success manager, solutions engineer and executive sponsor (names)."""
    count = len(accounts)
    pools = (int(np.clip(count // 60, 3, 2000)), int(np.clip(count // 80, 2, 1500)), int(np.clip(count // 400, 2, 300)))
    owners = owner_count(count)
    names = np.asarray(owner_names(owners + sum(pools))[owners:], dtype=object)
    starts = np.cumsum((0, *pools[:-1]))
    colleagues = [names[start + rng.integers(0, size, count)] for start, size in zip(starts, pools, strict=True)]
    return np.column_stack([accounts["owner"].to_numpy(dtype=object), *colleagues])


def _pairs(
    rng: np.random.Generator,
    team: np.ndarray,
    account_row: np.ndarray,
    coverage: np.ndarray,
    met: np.ndarray,
    now_and_then: np.ndarray,
    key: np.ndarray,
    is_exec: np.ndarray,
    role: np.ndarray,
    segment: np.ndarray,
) -> pd.DataFrame:
    """Who of ours meets whom of theirs at what rate a year: first contacts first."""
    count = len(account_row)
    # The colleagues in a weighted random order per stakeholder (weighted sampling without replacement).
    weights = np.where(is_exec[:, None], [w[0] for w in COLLEAGUE_WEIGHTS], [w[1] for w in COLLEAGUE_WEIGHTS])
    keys = np.where(weights > 0, rng.random((count, 3)) ** (1.0 / np.maximum(weights, 1e-9)), -1.0)
    colleague_order = 1 + np.argsort(-keys, axis=1)  # columns of team: 1, 2, 3
    owner_first = rng.random(count) < 0.75
    slots = np.where(
        owner_first[:, None],
        np.column_stack([np.zeros(count, dtype=np.int64), colleague_order[:, :2]]),
        np.column_stack([colleague_order[:, 0], np.zeros(count, dtype=np.int64), colleague_order[:, 1]]),
    )
    second = _chance(SECOND_CONTACT, coverage, key)
    third = _chance(THIRD_CONTACT, coverage, key)
    draw = rng.random((count, 2))
    contacts = np.where(met, np.where(now_and_then, 1, 1 + (draw[:, 0] < second) * (1 + (draw[:, 1] < third))), 0)
    pace = np.take(SEGMENT_PACE, segment)
    first_rate = np.take(FIRST_RATE, _codes(pd.Series(role, dtype=object), STAKEHOLDER_ROLES))
    first_rate = np.where(now_and_then, np.take(NOW_AND_THEN, key), first_rate)
    rates = np.column_stack([first_rate, np.take(SECOND_RATE, key), np.take(THIRD_RATE, key)]) * pace[:, None]
    stakeholder, slot = np.nonzero(np.arange(3)[None, :] < contacts[:, None])
    return pd.DataFrame(
        {
            "stakeholder": stakeholder,
            "person": team[account_row[stakeholder], slots[stakeholder, slot]],
            "rate": rates[stakeholder, slot],
            "now_and_then": now_and_then[stakeholder],
        }
    )


def _chance(table: dict[int, tuple[float, float]], coverage: np.ndarray, key: np.ndarray) -> np.ndarray:
    non_key = np.take([table[c][0] for c in (THIN, NORMAL, DEEP)], coverage)
    key_person = np.take([table[c][1] for c in (THIN, NORMAL, DEEP)], coverage)
    return np.where(key, key_person, non_key)


def _meeting_days(accounts: pd.DataFrame, traits: pd.DataFrame, active: np.ndarray, quarters: list[str]) -> np.ndarray:
    """Per account, the first and last day (ordinals) it can have meetings: the year to the last quarter's end,
    from some two months before it joined, to the end of the last quarter it bought in (none if it never did)."""
    end = quarter_end(quarters[-1]).toordinal()
    first = np.full(len(accounts), end - YEAR + 1)
    joined = traits["join_quarter"].to_numpy()
    starts = np.array([quarter_start(q).toordinal() for q in quarters])
    first = np.where(joined >= 0, np.maximum(first, starts[np.clip(joined, 0, None)] - 60), first)
    bought = active.any(axis=1)
    last_quarter = len(quarters) - 1 - np.argmax(active[:, ::-1], axis=1)
    ends = np.array([quarter_end(q).toordinal() for q in quarters])
    last = np.where(bought, ends[last_quarter], first - 1)
    return np.column_stack([first, last])


def _interactions(rng: np.random.Generator, stakeholders: pd.DataFrame, pairs: pd.DataFrame, days: np.ndarray) -> pd.DataFrame:
    """Each pair's meetings between its stakeholder's first and last day: on a cadence (every 365 / rate days, give
    or take a fifth of that), or, for people met now and then, at random days (a Poisson process)."""
    of_pair = pairs["stakeholder"].to_numpy()
    first, last = days[of_pair, 0], days[of_pair, 1]
    span = np.maximum(last - first + 1, 0)
    rate = pairs["rate"].to_numpy()
    random = pairs["now_and_then"].to_numpy()
    every = YEAR / rate
    phase = rng.random(len(pairs)) * every
    on_cadence = np.where(~random & (span > phase), np.floor((span - phase) / np.maximum(every, 1e-9)) + 1, 0).astype(np.int64)
    at_random = np.where(random, rng.poisson(rate * span / YEAR), 0)
    pair = np.repeat(np.arange(len(pairs)), on_cadence + at_random)
    # The meeting's number within its pair: on a cadence, the k-th is about phase + k x every days in.
    number = np.arange(len(pair)) - np.repeat(np.cumsum(on_cadence + at_random) - on_cadence - at_random, on_cadence + at_random)
    jitter = (rng.random(len(pair)) - 0.5) * 0.4 * every[pair]
    offset = np.where(random[pair], rng.random(len(pair)) * span[pair], phase[pair] + number * every[pair] + jitter)
    day = first[pair] + np.clip(offset, 0, np.maximum(span[pair] - 1, 0)).astype(np.int64)
    channel = rng.choice(len(CHANNELS), size=len(pair), p=CHANNEL_WEIGHTS)
    note = _notes(rng, np.take(NOTE_GROUP_OF_ROLE, _codes(stakeholders["role"], STAKEHOLDER_ROLES)[of_pair[pair]]))
    # One row per pair, day and channel (the table's natural key: a pair is one of theirs and one of ours), by day.
    first_seen = np.unique((pair * (YEAR * 20) + day - day.min(initial=0)) * len(CHANNELS) + channel, return_index=True)[1]
    keep = first_seen[np.lexsort((pair[first_seen], day[first_seen]))]
    pair, day, channel, note = pair[keep], day[keep], channel[keep], note[keep]
    stakeholder = of_pair[pair]
    return pd.DataFrame(
        {
            "account_id": stakeholders["account_id"].to_numpy()[stakeholder],
            "stakeholder_id": stakeholders["id"].to_numpy(dtype=np.int64)[stakeholder],
            "stakeholder_name": stakeholders["name"].to_numpy(dtype=object)[stakeholder],
            "our_person": pairs["person"].to_numpy(dtype=object)[pair],
            "date": np.datetime_as_string((day - EPOCH_ORDINAL).astype("datetime64[D]"), unit="D").astype(object),
            "channel": np.asarray(CHANNELS, dtype=object)[channel],
            "note": note,
        }
    )


def _codes(values: pd.Series, words: tuple[str, ...]) -> np.ndarray:
    """Each value's position in words."""
    return pd.Categorical(values, categories=list(words)).codes.astype(np.int64)


def _notes(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """A one-line note per interaction from its stakeholder's group, or none for about one in ten."""
    pick = rng.random(len(group))
    notes = np.full(len(group), None, dtype=object)
    for index, lines in enumerate(NOTES):
        chosen = group == index
        notes[chosen] = np.asarray(lines, dtype=object)[(pick[chosen] * len(lines)).astype(np.int64)]
    notes[rng.random(len(group)) >= NOTED] = None
    return notes


def _stances(rng: np.random.Generator, sentiment: np.ndarray, met: np.ndarray) -> np.ndarray:
    """Per stakeholder: supporter, neutral or detractor, leaning with the account's sentiment; None (unknown) more
    often for people nobody met."""
    supporter = np.clip(0.40 + 0.12 * sentiment, 0.10, 0.70)
    detractor = np.clip(0.12 - 0.06 * sentiment, 0.02, 0.35)
    neutral = np.full(len(sentiment), 0.28)
    known = np.where(met, 1.0, 0.35) / (supporter + neutral + detractor) * 0.85
    cumulative = np.cumsum(np.column_stack([supporter, neutral, detractor]) * known[:, None], axis=1)
    choice = (rng.random(len(sentiment))[:, None] >= cumulative).sum(axis=1)
    stances = np.asarray(STANCES, dtype=object)[choice]
    return np.where(stances == "unknown", None, stances)
