"""Debian's Chromium driven by Playwright, for the end-to-end tests and the browser benchmark.

Playwright's own browser download does not work on these machines, so the tests launch
/usr/bin/chromium through ``executable_path``. Without it a test is skipped, unless
REQUIRE_BROWSER=1 (CI), where a missing browser fails.
"""

import os
import re
import socket
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need_browser() -> None:
    """Skip the calling test without Playwright or Chromium (fail under REQUIRE_BROWSER=1)."""
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package is not installed"
    if missing is None and not CHROMIUM.exists():
        missing = f"{CHROMIUM} not found (apt-get install chromium)"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def choose(page, label: str, option: str):
    """Pick ``option`` in the select labelled ``label`` (a Vuetify menu)."""
    from playwright.sync_api import expect

    # the game page makes its selects comboboxes (ui/a11y.vue); other pages keep Vuetify's
    select = page.get_by_role("combobox", name=label, exact=True).or_(
        page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\b"))
    )
    if select.get_attribute("role") == "combobox":
        select = select.locator("xpath=ancestor::div[contains(@class, 'v-select__slot')]")
    select.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(select).to_contain_text(option)
