"""The command line: `python -m lib COMMAND [--db URL]` (see README)."""

from lib.cli import main

raise SystemExit(main())
