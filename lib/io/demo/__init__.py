"""A realistic, deterministic demo portfolio of any size.

Revenue is long-tailed by segment and moves quarter to quarter with drift, noise, occasional
expansions and contractions; a few percent of logos churn a year and new logos join; wallets
are larger than our revenue, split between 3-6 competitors and an unattributed rest; NPS and
CSAT responses follow each account's sentiment; stakeholders, interactions, review notes,
action items and two criteria sets complete the picture. Everything is drawn from one seed; who
meets whom (lib.io.demo.relationships) from a stream of its own, so it can be retuned alone.
"""

from lib.io.demo.build import DemoSpec, build_demo_frames
from lib.io.demo.loading import DemoSummary, fill_demo, load_demo

__all__ = ["DemoSpec", "DemoSummary", "build_demo_frames", "fill_demo", "load_demo"]
