"""The web chat in headless Chromium (Debian's chromium + chromium-driver), on a
phone-sized screen: a repair request typed into the widget, the confirmation
quick reply pressed, the ticket number seen; then the repair resolved and rated
with the survey's quick replies. Screenshots go to build/test-output/."""
from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import create_engine, text

from browser_helpers import OUTPUT, start_chromium
from http_helpers import AGENT_TOKEN, post


@pytest.fixture
def browser():
    driver = start_chromium("390,844")  # a phone
    yield driver
    driver.quit()


def bot_texts(driver) -> list[str]:
    # One script call reads every bubble at once; element-by-element reads race
    # with the widget re-rendering (stale elements).
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.rw-response'), e => e.innerText)")


def wait_for_reply(driver, pattern: str, timeout: float = 30) -> str:
    WebDriverWait(driver, timeout).until(lambda d: any(re.search(pattern, t) for t in bot_texts(d)))
    return next(t for t in reversed(bot_texts(driver)) if re.search(pattern, t))


def type_message(driver, message: str) -> None:
    box = WebDriverWait(driver, 20).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".rw-new-message")))
    box.send_keys(message)
    box.send_keys(Keys.ENTER)


def test_a_resident_reports_a_leak_and_rates_the_repair_in_the_web_chat(server, browser):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    browser.get(f"{server.url}/webhooks/webchat/")
    wait_for_reply(browser, "物业在线客服")  # the greeting sent on connect
    type_message(browser, "3栋502卫生间漏水了 电话13812345678")
    wait_for_reply(browser, "什么时候上门")
    type_message(browser, "随时")
    wait_for_reply(browser, "请核对")
    browser.save_screenshot(str(OUTPUT / "webchat-read-back.png"))
    button = WebDriverWait(browser, 20).until(ec.element_to_be_clickable(
        (By.XPATH, "//*[contains(@class, 'rw-reply') and contains(., '对的')]")))
    button.click()
    reply = wait_for_reply(browser, r"BX-\d{8}-\d{4}")
    browser.save_screenshot(str(OUTPUT / "webchat-ticket.png"))
    number = re.search(r"BX-\d{8}-\d{4}", reply).group(0)
    with create_engine(server.db_url).connect() as conn:
        row = conn.execute(text("SELECT channel, room FROM tickets WHERE number = :n"), {"n": number}).one()
    assert row == ("socketio", "502")
    shown = " ".join(bot_texts(browser))
    assert "13812345678" not in shown and "138＊＊＊＊5678" in shown  # masked, and not eaten by Markdown
    assert (OUTPUT / "webchat-ticket.png").stat().st_size > 10_000

    # The repair is done: the worker's survey reaches the open chat as quick replies.
    status, _ = post(f"{server.agent_url}/agent/tickets/{number}", {"status": "resolved", "agent": "王师傅"},
                     headers={"Authorization": f"Bearer {AGENT_TOKEN}"}, method="PATCH")
    assert status == 200
    wait_for_reply(browser, f"{number}.*打个分")
    WebDriverWait(browser, 20).until(ec.element_to_be_clickable(
        (By.XPATH, "//*[contains(@class, 'rw-reply') and contains(., '5分')]"))).click()
    wait_for_reply(browser, r"谢谢您的评价（5 分）")
    browser.save_screenshot(str(OUTPUT / "webchat-survey.png"))
    with create_engine(server.db_url).connect() as conn:
        row = conn.execute(text("SELECT t.status, s.score, s.channel FROM tickets t JOIN surveys s "
                                "ON s.ticket_id = t.id WHERE t.number = :n"), {"n": number}).one()
    assert row == ("closed", 5, "socketio")

