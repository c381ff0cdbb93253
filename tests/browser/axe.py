"""axe-core for the browser tests: the npm registry's package, fetched once into a cache outside the repository.

AXE_CORE_JS names a copy of axe.min.js to use instead (CI installs it ahead); otherwise
`npm pack axe-core` fetches the package from the registry into ~/.cache/keystone-tests/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "keystone-tests" / "axe-core"
SERIOUS = ("serious", "critical")

# Axe on the main area only (the sidebar is folded away in projector mode), WCAG 2.1 A and AA rules.
RUN_AXE = """async () => {
  const result = await axe.run(document.querySelector('[data-testid="stMain"]'),
    {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
    where: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
}"""


def axe_source() -> str:
    """The text of axe.min.js: from AXE_CORE_JS, the cache, or the npm registry (then cached)."""
    named = os.environ.get("AXE_CORE_JS")
    if named:
        return Path(named).read_text()
    script = CACHE / "package" / "axe.min.js"
    if not script.exists():
        _fetch_into(CACHE)
    return script.read_text()


def _fetch_into(folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("axe-core is needed: install npm (or set AXE_CORE_JS to a copy of axe.min.js)")
    folder.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run(
        [npm, "pack", "axe-core", "--pack-destination", str(folder)], capture_output=True, text=True, timeout=180
    )
    if packed.returncode != 0:
        pytest.fail(f"npm pack axe-core failed: {packed.stderr.strip()[-500:]}")
    archive = folder / packed.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")


def violations(tab, source: str) -> list[dict]:
    """Axe's violations in the main area of the page open in tab."""
    if not tab.evaluate("() => typeof axe !== 'undefined'"):
        tab.add_script_tag(content=source)
    return tab.evaluate(RUN_AXE)
