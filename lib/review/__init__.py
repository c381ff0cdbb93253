"""The review: what the quarterly business review shows, as a deck (PPTX or PDF) built without a browser page."""
