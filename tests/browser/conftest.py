"""Browser tests: a real `streamlit run` server and Debian's Chromium driven by Playwright.

Screenshots land in artifacts/screenshots/ (one per page at least), for people to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 720}


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str, log_dir: Path, extra_env: dict | None = None) -> Server:
    """`streamlit run app.py` on a free port against the database; waits until it answers."""
    port = _free_port()
    log = log_dir / f"streamlit-{port}.log"
    env = {**os.environ, "DATABASE_URL": database_url, "KEYSTONE_LOCKOUT_SECONDS": "5", **(extra_env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/_stcore/health", timeout=1).ok:
                return Server(url, process, log)
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a busy machine's rerun takes longer than Playwright's 5 s

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One app server on the session's demo database (read-mostly tests share it)."""
    running = start_server(demo_url, tmp_path_factory.mktemp("logs"))
    yield running
    stop_server(running)


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh browser context (no cookies) and page at a projector's 1280x720."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def wait_until(condition, seconds: float = 15) -> None:
    """Poll a condition that Playwright cannot wait for itself (cookies, the database)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def wait_for_app(tab) -> None:
    """Wait until Streamlit has finished running the script (as Streamlit's own e2e tests do)."""
    time.sleep(0.15)  # let a rerun that a click asked for start
    tab.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=30_000)
    tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    tab.wait_for_function("() => document.querySelectorAll('[data-stale=\"true\"]').length === 0", timeout=30_000)
    time.sleep(0.2)


def log_in(tab, base_url: str, username: str = "admin", password: str = "demo", path: str = "") -> None:
    tab.goto(f"{base_url}/{path}")
    tab.get_by_role("textbox", name="Username").fill(username)
    tab.get_by_role("textbox", name="Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_selector('[data-testid="stSidebarNav"]')
    settle(tab)


_IDLE = """() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
  && document.querySelectorAll('[data-stale="true"]').length === 0"""


def settle(tab, quiet: float = 1.0, timeout: float = 90) -> None:
    """Wait until the app has stayed idle for `quiet` seconds: a login is followed by reruns of its own
    (the cookie component), which on a busy machine start well after the first run has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wait_for_app(tab)
        idle_since = time.monotonic()
        while tab.evaluate(_IDLE):
            if time.monotonic() - idle_since >= quiet:
                return
            time.sleep(0.1)
    raise TimeoutError(f"the app did not settle within {timeout:.0f} s")


def screenshot(tab, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path))
    return path


def no_exception(tab) -> None:
    assert tab.locator('[data-testid="stException"]').count() == 0, tab.locator('[data-testid="stException"]').first.inner_text()
