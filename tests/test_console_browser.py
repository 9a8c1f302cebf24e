"""The agent console and trainer workbench in headless Chromium, against the
real servers: an agent takes a handed-off conversation, uses a suggestion, is
warned about forbidden wording, sends and hands back; a trainer's FAQ edit
changes the bot's next answer without a restart; a resident's <script> is shown
as text. Screenshots of the main pages go to build/test-output/console-*.png."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from browser_helpers import OUTPUT, start_chromium
from http_helpers import AGENT_TOKEN, Resident, post, tickets_in

LAPTOP, TABLET = "1366,900", "820,1180"


@pytest.fixture
def browser():
    driver = start_chromium(LAPTOP)
    yield driver
    driver.quit()


def wait(driver, condition, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(condition)


def css(driver, selector: str, timeout: float = 20):
    return wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, selector)), timeout)


def shot(driver, name: str) -> None:
    time.sleep(0.3)  # let the last render settle
    assert "[object" not in driver.find_element(By.TAG_NAME, "body").text  # a list not rendered as nodes
    path = OUTPUT / f"console-{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def sign_in(driver, server, staff, role: str) -> None:
    driver.get(f"{server.agent_url}/console/")
    username, password = staff[role]
    css(driver, "input[name=username]").send_keys(username)
    driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(password)
    shot(driver, f"login-{role}")
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    wait(driver, lambda d: username in d.find_element(By.ID, "who").text)


def test_an_agent_takes_a_conversation_and_hands_it_back(server, staff, browser):
    resident = Resident(server)
    resident.says("转人工")
    hostile = "垃圾物业，说了多少遍了！<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
    resident.says(hostile)

    sign_in(browser, server, staff, "agent")
    card = css(browser, f"a.handoff[href$='{resident.sender}']")
    assert "要求人工" in card.text and "已等待" in card.text
    shot(browser, "queue")
    card.click()

    # The resident's message is shown as text: the script is visible and did not run.
    wait(browser, lambda d: "<script>" in d.find_element(By.CSS_SELECTOR, ".transcript").text)
    assert browser.execute_script("return window.pwned") is None
    assert not browser.find_elements(By.CSS_SELECTOR, ".transcript script, .transcript img")
    cues = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".line.resident mark.cue")]
    assert "垃圾物业" in cues and "说了多少遍" in cues

    css(browser, "#take").click()
    wait(browser, lambda d: f"{staff['agent'][0]} 处理中" in d.find_element(By.CSS_SELECTOR, ".side").text)

    suggestions = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "button.suggestion"))
    assert len(suggestions) == 3
    chosen = suggestions[0].text
    suggestions[0].click()
    box = browser.find_element(By.ID, "reply")
    assert box.get_attribute("value") == chosen
    css(browser, ".check .ok")

    box.send_keys("不过这不是我的事，等着吧")
    marked = wait(browser, lambda d: [m.text for m in d.find_elements(By.CSS_SELECTOR, ".check mark.forbidden")])
    assert marked == ["这不是我的事", "等着吧"]
    kinds = [k.text for k in browser.find_elements(By.CSS_SELECTOR, ".check .finding .kind")]
    assert kinds == ["推诿", "搪塞"]  # each finding names its kind and its alternative
    browser.execute_script("document.getElementById('use-rewrite').scrollIntoView({block: 'end'})")
    shot(browser, "conversation-forbidden")
    browser.find_element(By.ID, "use-rewrite").click()
    css(browser, ".check .ok")
    final = box.get_attribute("value")
    assert "等着吧" not in final and final.startswith(chosen)

    browser.find_element(By.ID, "send").click()
    wait(browser, lambda d: any(final == e.text for e in d.find_elements(By.CSS_SELECTOR, ".line.agent .bubble")))
    shot(browser, "conversation")
    browser.set_window_size(*map(int, TABLET.split(",")))
    shot(browser, "conversation-tablet")
    browser.set_window_size(*map(int, LAPTOP.split(",")))

    browser.find_element(By.ID, "resolve").click()
    wait(browser, lambda d: d.current_url.endswith("#/queue"))
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, f"a.handoff[href$='{resident.sender}']"))
    assert "2.80" in resident.says("物业费多少钱一平")  # the bot answers again

    # Signing out, a POST with no data, still goes as JSON and ends the session.
    browser.find_element(By.CSS_SELECTOR, "#who button").click()
    wait(browser, lambda d: d.current_url.endswith("#/login"))
    done = "arguments[arguments.length - 1]"
    assert browser.execute_async_script(f"fetch('/auth/me').then((r) => {done}(r.status))") == 401


def test_an_agent_filters_tickets_and_opens_one(server, staff, browser):
    resident = Resident(server)
    resident.says("21栋2单元801客厅灯不亮了 电话13712345678")
    resident.says("随时")
    resident.says("对的")
    sign_in(browser, server, staff, "agent")
    browser.get(f"{server.agent_url}/console/#/tickets")
    building = css(browser, "form.filters input[name=building]")
    building.send_keys("21")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    link = css(browser, "table tbody tr td a")
    shot(browser, "tickets")
    # Deadlines read in the community's time zone (Asia/Shanghai), whatever the browser's is.
    resolve_by = datetime.fromisoformat(tickets_in(server, resident.sender)[0]["resolve_by"])
    local = resolve_by.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Asia/Shanghai"))
    row = browser.find_element(By.CSS_SELECTOR, "table tbody tr").text
    assert f"{local.year}/{local.month}/{local.day} {local:%H:%M:%S}" in row
    link.click()
    css(browser, "dl")
    page = browser.find_element(By.ID, "main").text
    assert "13712345678" in page and "处理记录" in page  # in clear on the ticket's own page only
    assert re.search(r"负责班组\s*水电维修组", page)
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=status]")).select_by_value("assigned")
    browser.find_element(By.CSS_SELECTOR, "input[name=note]").send_keys("已派电工")
    browser.find_element(By.CSS_SELECTOR, "form.row button[type=submit]").click()
    wait(browser, lambda d: "已派电工" in d.find_element(By.ID, "main").text)
    shot(browser, "ticket")


def test_a_trainer_edits_an_answer_and_the_bot_uses_it_at_once(server, staff, browser):
    question = "访客停车免费吗"
    before = Resident(server).says(question)
    sign_in(browser, server, staff, "trainer")
    assert not any("接待队列" in a.text for a in browser.find_elements(By.CSS_SELECTOR, "#nav a"))  # not an agent
    css(browser, "#faq-search").send_keys("访客")
    shot(browser, "faq-list")
    css(browser, "a[href='#/faq/parking_visitor']").click()
    answer = css(browser, "#answer")
    answer.clear()
    answer.send_keys("访客车辆请在岗亭登记后停到地面访客车位（工作台修改）。")
    shot(browser, "faq-edit")
    browser.find_element(By.ID, "save").click()
    wait(browser, lambda d: d.current_url.endswith("#/faq"))

    deadline, reply = time.monotonic() + 10, ""
    while "工作台修改" not in reply and time.monotonic() < deadline:
        reply = Resident(server).says(question)
    assert "工作台修改" in reply and reply != before

    browser.get(f"{server.agent_url}/console/#/try")
    css(browser, "#try-text").send_keys(question)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    result = css(browser, "#try-result").text
    assert "faq" in result and "parking_visitor" in result
    shot(browser, "try")

    browser.get(f"{server.agent_url}/console/#/versions")
    css(browser, ".version pre.diff")
    shot(browser, "versions")
    browser.find_element(By.CSS_SELECTOR, ".version button").click()  # undo the newest change
    deadline = time.monotonic() + 10
    while "工作台修改" in Resident(server).says(question) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "工作台修改" not in Resident(server).says(question)

    # The phrase library's form: a new forbidden expression, flagged for agents at once.
    browser.get(f"{server.agent_url}/console/#/phrases")
    css(browser, "#add-forbidden").click()
    rows = browser.find_elements(By.CSS_SELECTOR, ".forbidden-table tbody tr")
    rows[-1].find_element(By.CSS_SELECTOR, "input.phrase").send_keys("关我什么事")
    rows[-1].find_element(By.CSS_SELECTOR, "input.wide").send_keys("这件事我来帮您跟进")
    browser.find_element(By.ID, "save-data").click()
    toast = browser.find_element(By.ID, "toast")
    said = wait(browser, lambda d: ("已保存" in toast.text or "bad" in toast.get_attribute("class")) and toast.text
                or [e.text for e in d.find_elements(By.CSS_SELECTOR, "main .error")])
    assert "已保存" in said, said
    shot(browser, "phrases")
    status, check = post(f"{server.agent_url}/agent/check", {"draft": "这关我什么事"},
                         headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    assert check["rewrite"] == "这这件事我来帮您跟进"
    browser.get(f"{server.agent_url}/console/#/versions")  # clean up: undo the new phrase
    css(browser, ".version pre.diff")
    browser.find_element(By.CSS_SELECTOR, ".version button").click()
    deadline, listed = time.monotonic() + 10, True
    while listed and time.monotonic() < deadline:
        findings = post(f"{server.agent_url}/agent/check", {"draft": "这关我什么事"},
                        headers={"Authorization": f"Bearer {AGENT_TOKEN}"})[1]["findings"]
        listed = any(f["listed"] and f["phrase"] == "关我什么事" for f in findings)
    assert not listed and "关我什么事" not in (server.knowledge_dir / "phrases.yml").read_text(encoding="utf-8")

    # The emotion lexicon's form: a bad weight is refused with a clear message, nothing saved.
    browser.get(f"{server.agent_url}/console/#/emotion")
    weight = css(browser, ".group input[type=number]")
    weight.send_keys(Keys.CONTROL, "a")
    weight.send_keys(Keys.BACKSPACE)
    browser.find_element(By.ID, "save-data").click()
    assert "必须是非空的" in css(browser, "main .error").text
    shot(browser, "emotion-error")

    for page in ("review", "files/phrases.yml", "retrain"):
        browser.get(f"{server.agent_url}/console/#/{page}")
        css(browser, "main h2")
        shot(browser, page.replace("/", "-").replace(".yml", ""))


def test_the_queue_shows_new_alarms_and_messages_without_a_reload(server, staff, browser, monkeypatch):
    """A level-2 ticket near its deadline appears on top of the open queue, and a
    waiting resident's new message in the open conversation, each within 5 s."""
    from datetime import timedelta
    from bot import tickets
    from bot.clock import utcnow
    from sqlalchemy import create_engine, text
    sign_in(browser, server, staff, "agent")
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    ticket = tickets.open_ticket(tickets.Report(
        kind="repair", description="3号楼电梯困人", channel="rest", reporter_id="rest:browser-sla",
        phone="13812345678", location="3栋", building="3", urgency=2))
    with create_engine(server.db_url).begin() as conn:  # opened 4 of its 5 minutes ago
        conn.execute(text("UPDATE tickets SET created_at = :c, respond_by = :r WHERE number = :n"),
                     {"c": utcnow() - timedelta(minutes=4), "r": utcnow() + timedelta(minutes=1),
                      "n": ticket.number})
    card = css(browser, f"a.attention[href$='{ticket.number}']", timeout=5)
    assert "响应将超时" in card.text
    shot(browser, "queue-at-risk")
    with create_engine(server.db_url).begin() as conn:
        conn.execute(text("UPDATE tickets SET status = 'closed' WHERE number = :n"), {"n": ticket.number})

    resident = Resident(server)
    resident.says("转人工")
    browser.get(f"{server.agent_url}/console/#/conversation/{resident.sender}")
    css(browser, ".transcript .line.resident")
    assert "收到" in resident.says("人呢？还要等多久")
    wait(browser, lambda d: "人呢？还要等多久" in d.find_element(By.CSS_SELECTOR, ".transcript").text, timeout=5)
