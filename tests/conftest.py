"""What the browser tests share: one headless Debian Chromium for the whole session.

Playwright's sync API allows one running instance per thread, so every browser test uses this
fixture rather than starting its own.
"""
from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("D2L_OPT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
