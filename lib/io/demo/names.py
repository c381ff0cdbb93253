"""The demo's vocabulary: industries, competitors, wallet sources, titles, and the names of companies and people."""

from __future__ import annotations

import numpy as np

INDUSTRIES = (
    "Manufacturing",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Technology",
    "Logistics",
    "Energy",
    "Public Sector",
    "Telecommunications",
    "Media",
)
COMPETITORS = (
    "Northstar Systems",
    "Cobalt Analytics",
    "Vantage Partners",
    "Helix Solutions",
    "Meridian Group",
    "Apex Dynamics",
    "Summit Software",
    "Quanta Labs",
)
WALLET_SOURCES = ("Analyst estimate", "Customer interview", "Annual report", "Third-party data")
TITLES = {
    "exec": ("CFO", "CIO", "COO", "CTO", "Chief Procurement Officer"),
    "senior": ("VP Operations", "VP Finance", "Head of IT", "Director of Procurement"),
    "manager": ("IT Manager", "Operations Manager", "Category Manager", "Finance Manager"),
    "staff": ("Analyst", "Engineer", "Buyer", "Specialist"),
}
NAME_STEMS = (
    "North",
    "Blue",
    "Iron",
    "Silver",
    "Red",
    "Green",
    "Stone",
    "Bright",
    "Clear",
    "Oak",
    "Pine",
    "River",
    "Lake",
    "Summit",
    "Harbor",
    "Falcon",
    "Eagle",
    "Cedar",
    "Maple",
    "Granite",
    "Crystal",
    "Golden",
    "Polar",
    "Sun",
    "Star",
    "Nova",
    "Atlas",
    "Vertex",
    "Orion",
    "Terra",
)
NAME_ENDINGS = (
    "wind",
    "peak",
    "bridge",
    "field",
    "gate",
    "point",
    "wood",
    "stone",
    "line",
    "works",
    "view",
    "haven",
    "crest",
    "ford",
    "mark",
    "way",
    "light",
    "port",
    "vale",
    "shore",
)
NAME_TRADES = (
    "Logistics",
    "Foods",
    "Health",
    "Energy",
    "Systems",
    "Bank",
    "Retail",
    "Motors",
    "Pharma",
    "Telecom",
    "Media",
    "Industries",
    "Insurance",
    "Chemicals",
    "Airlines",
    "Foods & Co",
)
NAME_FORMS = ("Inc", "GmbH", "Ltd", "SA", "Group", "AG", "plc", "BV")
FIRST_NAMES = (
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Paul",
    "Rosa",
    "Samir",
    "Tara",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zoe",
    "Marco",
    "Lena",
    "Omar",
    "Priya",
    "Chen",
    "Sofia",
    "Tomas",
)
LAST_NAMES = (
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Weber",
    "Xu",
    "Young",
    "Zimmermann",
    "Novak",
    "Silva",
    "Khan",
    "Meyer",
)


def pick(rng: np.random.Generator, options: tuple, weights: tuple | None, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=weights)]


def unique_names(rng: np.random.Generator, count: int) -> list[str]:
    combos = [f"{s}{e} {t} {f}" for s in NAME_STEMS for e in NAME_ENDINGS for t in NAME_TRADES for f in NAME_FORMS]
    order = rng.permutation(len(combos))
    names = [combos[i] for i in order[: min(count, len(combos))]]
    extra = count - len(names)
    names += [f"{combos[order[i % len(combos)]]} {i // len(combos) + 2}" for i in range(extra)]
    return names


def people(rng: np.random.Generator, count: int) -> list[str]:
    first = pick(rng, FIRST_NAMES, None, count)
    last = pick(rng, LAST_NAMES, None, count)
    return [f"{f} {ln}" for f, ln in zip(first, last)]


def owner_names(count: int) -> list[str]:
    # Walk first and last names at different strides, so that neighbours share neither.
    names = [
        f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7 + i // len(FIRST_NAMES)) % len(LAST_NAMES)]}"
        for i in range(len(FIRST_NAMES) * len(LAST_NAMES))
    ]
    return [names[i % len(names)] + ("" if i < len(names) else f" {i // len(names) + 1}") for i in range(count)]
