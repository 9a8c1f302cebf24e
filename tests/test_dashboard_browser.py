"""The dashboard in headless Chromium against the real servers: a manager picks
a period and a building, sees the charts drawn and the tables filled from rows
this test put there (in a building and a month of its own, removed afterwards),
fetches a CSV link, and clicks a heat-map cell to land on those tickets.
Screenshots at laptop and tablet size go to build/test-output/dashboard-*.png."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from bot.clock import utcnow
from bot.db import session_scope
from bot.models import FaqAnswer, Handoff, Survey, UnansweredQuestion
from browser_helpers import OUTPUT, start_chromium
from dashboard_data import add_ticket, local, remove
from test_console_browser import css, sign_in, wait

LAPTOP, TABLET = (1366, 768), (768, 1024)
CHARTS = ("volume", "heatmap", "distribution", "trend")


@pytest.fixture
def browser():
    driver = start_chromium(",".join(map(str, LAPTOP)))
    yield driver
    driver.quit()


@pytest.fixture
def community(server, monkeypatch):
    """A building and a conversation of this test's own, with March 2025's rows."""
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    tag = uuid.uuid4().hex[:5]
    building, conversation = f"V{tag}", f"dashboard-{tag}"
    with session_scope() as s:
        made = [add_ticket(s, f"BX-{building}-1", "repair", "water", "给排水", building, 3, "2025-03-03 09:00", "closed", 10, None, 600),
                add_ticket(s, f"BX-{building}-2", "repair", "water", "给排水", building, 3, "2025-03-05 10:00", "open"),
                add_ticket(s, f"BX-{building}-3", "repair", "electric", "电力照明", building, 3, "2025-03-10 11:00", "closed", 5, None, 60),
                add_ticket(s, f"TS-{building}-4", "complaint", "noise", "噪音扰民", building, 3, "2025-03-12 21:00", "closed", 5, None, 120),
                add_ticket(s, f"BX-{building}-5", "repair", "lift", "电梯", building, 1, "2025-03-20 14:00", "closed", 0.5, 4, 180),
                # opened 20 hours ago: 4 of its 24 hours left to resolve, at risk now
                add_ticket(s, f"BX-{building}-6", "repair", "water", "给排水", building, 3, utcnow() - timedelta(hours=20), "assigned", 5)]
        for ticket, score, answered, comment in ((made[0], 5, "2025-03-04 10:00", None),
                                                 (made[2], 1, "2025-03-11 10:00", "修了又坏，电话13612345678"),
                                                 (made[3], 4, "2025-03-13 09:00", None)):
            s.add(Survey(ticket_id=ticket.id, conversation_id=conversation, channel="rest", sent_at=local(answered) - timedelta(hours=1),
                         answered_at=local(answered), score=score, comment=comment))
        s.add(Handoff(conversation_id=conversation, channel="rest", reason="request", summary="测试", status="resolved",
                      created_at=local("2025-03-03 10:00"), first_reply_at=local("2025-03-03 10:05"),
                      resolved_at=local("2025-03-03 10:30")))
        s.add_all([FaqAnswer(faq_id="fee_payment_ways", conversation_id=conversation, at=local(f"2025-03-0{d} 10:00")) for d in (3, 4)])
        s.add(UnansweredQuestion(text="会所游泳池几点开门，打13712345678", reporter_id=f"rest:{conversation}", channel="rest",
                                 created_at=local("2025-03-06 10:00")))
    yield building
    remove(building, (conversation,))


def shot(driver, name: str) -> None:
    """The window as a person sees it, and the whole page."""
    time.sleep(0.5)  # let the charts' last animation settle
    assert "[object" not in driver.find_element(By.TAG_NAME, "body").text
    driver.save_screenshot(str(OUTPUT / f"dashboard-{name}.png"))
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    driver.set_window_size(width, driver.execute_script("return document.documentElement.scrollHeight") + 100)
    time.sleep(0.5)
    driver.save_screenshot(str(OUTPUT / f"dashboard-{name}-full.png"))
    driver.set_window_size(width, height)
    assert (OUTPUT / f"dashboard-{name}.png").stat().st_size > 10_000


def charts_drawn(driver) -> dict[str, tuple[int, int]]:
    """Each chart's canvas size (CSS pixels), once every chart has one."""
    sizes = driver.execute_script("""return Object.fromEntries(Array.from(document.querySelectorAll('.chart'),
        (box) => { const c = box.querySelector('canvas'); return [box.dataset.chart, c ? [c.clientWidth, c.clientHeight] : null]; }))""")
    return sizes if len(sizes) == len(CHARTS) and all(sizes.values()) else {}


def table_text(driver, name: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"table.{name}").text


def test_a_manager_reads_the_dashboard_and_opens_a_heat_map_cell(server, staff, browser, community):
    building = community
    sign_in(browser, server, staff, "manager")
    browser.execute_script("window.cspViolations = []; document.addEventListener('securitypolicyviolation', "
                           "(e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));")
    wait(browser, lambda d: "数据驾驶舱" in d.find_element(By.ID, "nav").text)
    browser.find_element(By.LINK_TEXT, "数据驾驶舱").click()
    form = css(browser, "#dashboard-filters")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"select[name=building] option[value='{building}']"))
    Select(form.find_element(By.NAME, "building")).select_by_value(building)
    browser.execute_script("arguments[0].value = '2025-03-01'; arguments[1].value = '2025-03-31';",
                           form.find_element(By.NAME, "from"), form.find_element(By.NAME, "to"))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: f"building={building}" in d.current_url)

    sizes = wait(browser, charts_drawn)
    assert all(width > 200 and height > 150 for width, height in sizes.values()), sizes
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "table.passed_on_questions"))
    kpis = browser.find_element(By.ID, "figures-tickets").text
    assert "5\n工单" in kpis and "4\n报修" in kpis and "1\n投诉" in kpis  # the at-risk one was opened today
    overdue = table_text(browser, "overdue")
    assert f"BX-{building}-2" in overdue and f"BX-{building}-1" not in overdue
    assert f"BX-{building}-6" in table_text(browser, "at_risk")
    low = table_text(browser, "low_scores")
    assert f"BX-{building}-3" in low and "修了又坏，电话136＊＊＊＊5678" in low and "13612345678" not in low
    assert "物业费在哪里交" in table_text(browser, "most_asked")
    assert "会所游泳池几点开门，打137＊＊＊＊5678" in table_text(browser, "passed_on_questions")
    levels = table_text(browser, "levels")
    assert "100.0%" in levels  # level 1's three deadlines, met
    satisfaction = browser.find_element(By.ID, "figures-satisfaction").text
    assert "66.7%" in satisfaction and "3.33" in satisfaction  # 2 of 3 ratings 4-5; (5 + 1 + 4) / 3
    # Every chart's tooltip shown once: nothing in them may break the page's CSP (checked at the end).
    for action in ("{type: 'showTip', seriesIndex: 0, dataIndex: 0}", "{type: 'hideTip'}"):
        browser.execute_script(f"document.querySelectorAll('.chart').forEach((box) => "
                               f"echarts.getInstanceByDom(box).dispatchAction({action}))")
    shot(browser, "laptop")

    browser.set_window_size(*TABLET)
    wait(browser, lambda d: 0 < (charts_drawn(d).get("volume") or (9999, 0))[0] < TABLET[0])
    shot(browser, "tablet")
    browser.set_window_size(*LAPTOP)

    # A table's CSV link downloads it: UTF-8 with a BOM, a header row, a row per ticket.
    link = browser.find_element(By.CSS_SELECTOR, "a.csv[data-table=overdue]")
    assert "format=csv" in link.get_attribute("href") and link.get_attribute("download") is not None
    text = browser.execute_async_script(
        "fetch(arguments[0]).then((r) => r.arrayBuffer()).then((b) => arguments[1](Array.from(new Uint8Array(b))))",
        link.get_attribute("href"))
    content = bytes(text).decode("utf-8")
    assert content.startswith("\ufeff工单号,响应级别,类别,楼栋,时限,到期时间,已超时（分钟）")
    assert [line.split(",")[0] for line in content.strip().splitlines()[1:]] == [f"BX-{building}-2"]

    # The heat map's 给排水 cell of this building opens those tickets.
    box = browser.find_element(By.CSS_SELECTOR, ".chart-heatmap")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    x, y = browser.execute_script("""const chart = echarts.getInstanceByDom(arguments[0]);
        const column = chart.getOption().xAxis[0].data.indexOf('报修·给排水');
        return chart.convertToPixel({seriesIndex: 0}, [column, 0]);""", box)
    ActionChains(browser).move_to_element_with_offset(box, x - box.size["width"] / 2, y - box.size["height"] / 2).click().perform()
    wait(browser, lambda d: "#/tickets?" in d.current_url and "category=water" in d.current_url)
    wait(browser, lambda d: "给排水" in d.find_element(By.ID, "extra-filters").text)
    numbers = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table tbody tr td:first-child a")]
    assert numbers == [f"BX-{building}-2", f"BX-{building}-1"]  # March's, newest first; not today's
    browser.save_screenshot(str(OUTPUT / "dashboard-heatmap-tickets.png"))
    assert browser.execute_script("return window.cspViolations") == []
