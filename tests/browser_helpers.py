"""Headless Chromium (Debian's chromium + chromium-driver) for the browser tests;
their screenshots go to build/test-output/."""
from __future__ import annotations

import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from conftest import ROOT

OUTPUT = ROOT / "build" / "test-output"


def start_chromium(window_size: str) -> webdriver.Chrome:
    """A headless Chromium with a window of `window_size` ("width,height")."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--window-size={window_size}", "--lang=zh-CN"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                            options=options)
