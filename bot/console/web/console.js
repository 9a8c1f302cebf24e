// The agent console and trainer workbench: one page, views chosen by the URL hash.
// Everything residents or trainers typed is put on the page as text nodes
// (h() below); nothing is ever assigned to innerHTML.
"use strict";

const URGENCY = { 1: "一级·紧急", 2: "二级·较急", 3: "三级·一般" };
const reasons = () => (me && me.reasons) || {};  // handoff reason names, from /auth/me (bot/handoffs.py)
const deadlines = () => (me && me.deadlines) || {};  // deadline names, from /auth/me (bot/tickets.py)
const DEADLINE_STATES = { at_risk: "将超时", late: "已超时" };
const KINDS = { repair: "报修", complaint: "投诉" };
const statuses = () => (me && me.statuses) || {};  // ticket status names, from /auth/me (bot/models.py)
const ROLES = { agent: "客服专员", trainer: "培训师", manager: "客服主管", admin: "管理员" };
const MENU = [
  { hash: "#/queue", label: "接待队列", area: "agent" },
  { hash: "#/tickets", label: "工单", area: "agent" },
  { hash: "#/faq", label: "问答库", area: "trainer" },
  { hash: "#/review", label: "待审核", area: "trainer" },
  { hash: "#/phrases", label: "话术库", area: "trainer" },
  { hash: "#/emotion", label: "情绪词库", area: "trainer" },
  { hash: "#/try", label: "试一试", area: "trainer" },
  { hash: "#/versions", label: "修改记录", area: "trainer" },
  { hash: "#/retrain", label: "模型训练", area: "trainer" },
  { hash: "#/dashboard", label: "数据驾驶舱", area: "dashboard" },
];
const AREAS = { agent: ["agent"], trainer: ["trainer"], manager: ["agent", "dashboard"], admin: ["agent", "trainer", "dashboard"] };

let me = null;
let timers = [];

// --- small helpers -----------------------------------------------------------

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "value") el.value = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function show(...nodes) {
  document.getElementById("main").replaceChildren(...nodes.flat(Infinity));
}

let toastTimer;
function toast(message, bad) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = bad ? "bad visible" : "visible";
  clearTimeout(toastTimer);  // each message stays its 4 seconds, not what is left of the one before
  toastTimer = setTimeout(() => { box.className = ""; }, 4000);
}

function every(ms, fn) {
  fn();
  timers.push(setInterval(fn, ms));
}

class ApiError extends Error {
  constructor(status, data) {
    super((data && data.error) || `请求失败（${status}）`);
    this.status = status;
    this.data = data || {};
  }
}

// Whatever changes something goes as JSON, body or not: the service refuses anything else.
async function api(method, path, data) {
  const changes = method !== "GET";
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: changes ? { "Content-Type": "application/json" } : {},
    body: changes ? JSON.stringify(data === undefined ? {} : data) : undefined,
  });
  const body = await response.json().catch(() => null);
  if (response.status === 401 && !path.startsWith("/auth/")) {
    me = null;
    location.hash = "#/login";
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function duration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  if (seconds < 60) return `${seconds}秒`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}分${seconds % 60}秒`;
  return `${Math.floor(minutes / 60)}小时${minutes % 60}分`;
}

// Times are shown in the community's time zone (sent by /auth/me), wherever the browser is.
function when(iso) {
  return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false, timeZone: (me && me.timezone) || undefined }) : "—";
}

function urgencyBadge(level) {
  return h("span", { class: `badge u${level || 3}` }, URGENCY[level] || "未定级");
}

// A page's data, or null after showing why it could not be loaded.
async function fetchPage(path) {
  try { return await api("GET", path); } catch (error) { show(errorBox(error)); return null; }
}

function errorBox(error) {
  return h("div", { class: "error", role: "alert" }, error.message);
}

// Text with some words marked (emotion cues, forbidden phrases); all as text nodes.
function marked(text, words, className) {
  const chars = Array.from(text);
  const hits = [];
  for (const word of [...new Set(words || [])].filter(Boolean).sort((a, b) => b.length - a.length)) {
    const w = Array.from(word);
    for (let i = 0; i + w.length <= chars.length; i++) {
      if (chars.slice(i, i + w.length).join("") === word && hits.every(([s, e]) => i + w.length <= s || i >= e)) {
        hits.push([i, i + w.length]);
      }
    }
  }
  return spans(chars, hits, className);
}

function spans(chars, ranges, className) {
  ranges.sort((a, b) => a[0] - b[0]);
  const out = [];
  let at = 0;
  for (const [start, end] of ranges) {
    out.push(chars.slice(at, start).join(""), h("mark", { class: className }, chars.slice(start, end).join("")));
    at = end;
  }
  out.push(chars.slice(at).join(""));
  return out.filter((part) => part !== "");
}

// --- sign-in and menu ------------------------------------------------------

function mayUse(area) {
  return me && AREAS[me.role].includes(area);
}

function drawMenu() {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  if (!me) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  nav.replaceChildren(...MENU.filter((item) => mayUse(item.area)).map((item) =>
    h("a", { href: item.hash, class: location.hash.startsWith(item.hash) ? "current" : null }, item.label)));
  who.replaceChildren(`${me.username}（${ROLES[me.role]}）`, " ",
    h("button", { type: "button", class: "link", onclick: signOut }, "退出"));
}

async function signOut() {
  await api("POST", "/auth/logout").catch(() => null);
  me = null;
  location.hash = "#/login";
}

function loginView() {
  const message = h("div");
  const form = h("form", { class: "card login", onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/auth/login", { username: form.username.value, password: form.password.value });
      me = await api("GET", "/auth/me");
      location.hash = mayUse("agent") ? "#/queue" : "#/faq";
    } catch (error) {
      message.replaceChildren(errorBox(error.status === 401 ? new Error("用户名或密码不正确") : error));
    }
  } },
  h("h2", {}, "登录"),
  h("label", {}, "用户名", h("input", { name: "username", autocomplete: "username", required: true })),
  h("label", {}, "密码", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
  message,
  h("button", { type: "submit", class: "primary" }, "登录"));
  show(form);
}

// --- agent: the handoff queue and a conversation -------------------------------

function queueView() {
  const list = h("div", { class: "queue" }, h("p", { class: "muted" }, "正在加载…"));
  const stamp = h("span", { class: "muted" });
  show(h("h2", {}, "接待队列 ", stamp), list);
  every(3000, async () => {
    try {
      const { handoffs, attention } = await api("GET", "/agent/handoffs");
      stamp.textContent = `（${handoffs.length} 位业主等待中 · 每3秒自动刷新）`;
      list.replaceChildren(...attention.map(attentionCard),
        ...(handoffs.length ? handoffs.map(queueCard) : [h("p", { class: "muted" }, "暂无等待的会话")]));
    } catch (error) {
      list.replaceChildren(errorBox(error));
    }
  });
}

function queueCard(item) {
  return h("a", { class: `card handoff u${item.urgency || 3}`, href: `#/conversation/${encodeURIComponent(item.conversation_id)}` },
    h("div", { class: "row" }, urgencyBadge(item.urgency), h("span", { class: "badge" }, reasons()[item.reason] || item.reason),
      item.taken_by ? h("span", { class: "badge taken" }, `${item.taken_by} 处理中`) : null,
      item.callback_by ? h("span", { class: "badge" }, `下班后转入：${when(item.callback_by)} 前回电`) : null,
      h("span", { class: "wait" }, `已等待 ${duration(item.waiting_seconds)}`)),
    h("p", { class: "summary" }, item.summary),
    h("div", { class: "row muted" }, `渠道：${item.channel}`, item.ticket_number ? ` · 工单 ${item.ticket_number}` : "",
      item.emotion_cues.length ? ` · 情绪词：${item.emotion_cues.join("、")}` : ""));
}

function deadlineBadge(ticket) {
  const state = DEADLINE_STATES[ticket.deadline_state];
  return state ? h("span", { class: `badge ${ticket.deadline_state}` },
    `${deadlines()[ticket.next_deadline.kind]}${state} ${when(ticket.next_deadline.due)}`) : null;
}

// A level-1/2 ticket close to a deadline or past it: on top of the queue.
function attentionCard(ticket) {
  return h("a", { class: `card attention u${ticket.urgency}`, href: `#/ticket/${ticket.number}` },
    h("div", { class: "row" }, urgencyBadge(ticket.urgency), deadlineBadge(ticket), h("span", { class: "badge" }, ticket.number)),
    h("p", { class: "summary" }, `${ticket.category_name} · ${ticket.location || "位置未填"} · ${ticket.status_name}`));
}

function conversationView(id) {
  const transcriptBox = h("div", { class: "transcript", "aria-label": "会话记录" });
  const side = h("div", { class: "side" });
  const suggestions = h("div", { class: "suggestions" });
  const draft = h("textarea", { id: "reply", rows: 4, maxlength: 2000, placeholder: "输入回复，或点击上方的推荐话术" });
  const check = h("div", { class: "check", "aria-live": "polite" });
  let lastQuestion = null;
  let checkTimer = null;

  async function runCheck() {
    const text = draft.value;
    if (!text.trim()) { check.replaceChildren(); return; }
    try {
      const result = await api("POST", "/agent/check", { draft: text });
      if (text !== draft.value) return;  // the agent typed on meanwhile
      showCheck(text, result);
    } catch (error) { check.replaceChildren(errorBox(error)); }
  }

  function showCheck(text, result) {
    if (result.ok !== false && !(result.findings || []).length) {
      check.replaceChildren(h("p", { class: "ok" }, "✓ 未发现禁忌用语"));
      return;
    }
    const chars = Array.from(text);
    check.replaceChildren(
      h("p", { class: "bad" }, "发现禁忌用语："),
      h("ul", { class: "findings" }, ...result.findings.map((f) => h("li", { class: "finding" },
        h("span", { class: "kind" }, f.kind_name), ` “${f.phrase}” → `, h("span", { class: "alternative" }, f.alternative)))),
      h("p", { class: "preview" }, spans(chars, result.findings.map((f) => [f.start, f.end]), "forbidden")),
      h("p", {}, "建议改为：", h("span", { class: "rewrite" }, result.rewrite), " ",
        h("button", { type: "button", id: "use-rewrite", onclick: () => { draft.value = result.rewrite; runCheck(); } }, "采用改写")));
  }

  draft.addEventListener("input", () => { clearTimeout(checkTimer); checkTimer = setTimeout(runCheck, 250); });

  async function loadSuggestions(ticketNo) {
    if (!lastQuestion) return;
    try {
      const { suggestions: replies } = await api("POST", "/agent/suggest", { conversation_id: id, ticket_no: ticketNo || undefined });
      suggestions.replaceChildren(h("h3", {}, "推荐话术"), ...replies.map((reply) =>
        h("button", { type: "button", class: "suggestion", title: reply.name, "data-scenario": reply.scenario,
          onclick: () => { draft.value = reply.text; draft.focus(); runCheck(); } }, reply.text)));
    } catch (error) { suggestions.replaceChildren(errorBox(error)); }
  }

  async function send() {
    const text = draft.value.trim();
    if (!text) { toast("回复内容为空", true); return; }
    try {
      await api("POST", `/agent/conversations/${encodeURIComponent(id)}/reply`, { text });
      draft.value = "";
      check.replaceChildren();
      toast("已发送");
      await refresh();
    } catch (error) {
      if (error.status === 422) { showCheck(text, { ok: false, ...error.data }); toast("含禁忌用语，未发送", true); }
      else toast(error.message, true);
    }
  }

  async function take() {
    try {
      await api("POST", `/agent/conversations/${encodeURIComponent(id)}/take`, {});
      toast("已接手，队列中会显示由您处理");
      await refresh();
    } catch (error) { toast(error.message, true); }
  }

  async function resolve() {
    try {
      await api("POST", `/agent/conversations/${encodeURIComponent(id)}/resolve`, {});
      toast("已结束人工服务，会话交还给机器人");
      location.hash = "#/queue";
    } catch (error) { toast(error.message, true); }
  }

  let firstLoad = true;
  async function refresh() {
    try {
      const data = await api("GET", `/agent/conversations/${encodeURIComponent(id)}`);
      const atBottom = transcriptBox.scrollTop + transcriptBox.clientHeight >= transcriptBox.scrollHeight - 20;
      transcriptBox.replaceChildren(...data.transcript.map(line));
      if (atBottom || firstLoad) transcriptBox.scrollTop = transcriptBox.scrollHeight;
      const asked = data.transcript.filter((l) => l.role === "resident");
      const question = asked.length ? asked[asked.length - 1].text : null;
      side.replaceChildren(handoffCard(data.handoff, take), data.ticket ? ticketCard(data.ticket) : h("p", { class: "muted" }, "此会话暂无关联工单"));
      if (question !== lastQuestion || firstLoad) {
        lastQuestion = question;
        loadSuggestions(data.ticket && data.ticket.number);
      }
      firstLoad = false;
    } catch (error) { transcriptBox.replaceChildren(errorBox(error)); }
  }

  show(h("h2", {}, h("a", { href: "#/queue" }, "接待队列"), " › 会话"),
    h("div", { class: "conversation" },
      h("section", {}, transcriptBox, suggestions,
        h("div", { class: "composer" }, draft, check,
          h("div", { class: "row" },
            h("button", { type: "button", class: "primary", id: "send", onclick: send }, "发送"),
            h("button", { type: "button", id: "resolve", onclick: resolve }, "处理完毕，交还机器人")))),
      side));
  every(3000, refresh);
}

function line(entry) {
  const who = { resident: "业主", assistant: "机器人", agent: `客服 ${entry.agent || ""}` }[entry.role];
  const text = entry.role === "resident" ? marked(entry.text, (entry.emotion || {}).cues, "cue") : [entry.text];
  return h("div", { class: `line ${entry.role}` },
    h("div", { class: "meta" }, who, entry.at ? ` · ${when(entry.at * 1000)}` : ""),
    h("div", { class: "bubble" }, text));
}

function handoffCard(handoff, take) {
  if (!handoff) return h("div", { class: "card" }, h("p", { class: "muted" }, "此会话没有等待中的转人工"));
  const mine = handoff.taken_by === me.username;
  return h("div", { class: "card" }, h("h3", {}, "转人工原因"),
    h("p", { class: "row" }, handoff.taken_by ? h("span", { class: "badge taken" }, `${handoff.taken_by} 处理中`) : h("span", { class: "muted" }, "尚无人接手"),
      mine ? null : h("button", { type: "button", id: "take", onclick: take }, handoff.taken_by ? "改由我接手" : "接手此会话")),
    h("div", { class: "row" }, urgencyBadge(handoff.urgency), h("span", { class: "badge" }, reasons()[handoff.reason] || handoff.reason)),
    h("p", {}, handoff.summary),
    handoff.emotion_cues.length ? h("p", {}, "情绪词：", marked(handoff.emotion_cues.join("、"), handoff.emotion_cues, "cue")) : null,
    h("p", { class: "muted" }, `已等待 ${duration(handoff.waiting_seconds)}`));
}

function ticketCard(ticket) {
  return h("div", { class: `card${ticket.overdue ? " overdue" : ""}` }, h("h3", {}, "关联工单 ", h("a", { href: `#/ticket/${ticket.number}` }, ticket.number)),
    h("p", {}, `${KINDS[ticket.kind] || ticket.kind} · ${ticket.category_name} · ${ticket.team_name}`),
    h("p", {}, ticket.description),
    h("p", { class: "muted" }, `${ticket.status_name} · 处理时限 ${when(ticket.resolve_by)}${ticket.overdue ? " · 已超时" : ""}`));
}

// --- agent: tickets ---------------------------------------------------------

function ticketsView() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const select = (name, options) => h("select", { name },
    h("option", { value: "" }, "全部"), Object.entries(options).map(([value, label]) =>
      h("option", { value, selected: params.get(name) === value }, label)));
  const form = h("form", { class: "filters", onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const field of form.elements) if (field.name && field.value) chosen.set(field.name, field.value);
    location.hash = `#/tickets?${chosen}`;
  } },
  h("label", {}, "状态", select("status", statuses())),
  h("label", {}, "类型", select("kind", KINDS)),
  h("label", {}, "楼栋", h("input", { name: "building", value: params.get("building") || "", size: 4, placeholder: "如 3" })),
  h("label", {}, "超时", select("overdue", { true: "已超时", false: "未超时" })),
  ["category", "from", "to"].map((name) => (params.get(name) ? h("input", { type: "hidden", name, value: params.get(name) }) : null)),
  h("button", { type: "submit" }, "筛选"));
  const table = h("div", {}, h("p", { class: "muted" }, "正在加载…"));
  const extra = h("p", { class: "muted", id: "extra-filters" });
  show(h("h2", {}, "工单"), form, extra, table);
  api("GET", `/agent/tickets?${params}`).then(({ tickets }) => {
    if (params.get("category") || params.get("from") || params.get("to")) {  // set by the dashboard's heat map
      const category = params.get("category") && (tickets.length ? tickets[0].category_name : params.get("category"));
      extra.replaceChildren(`另按${category ? `类别“${category}”、` : ""}受理日期 ${params.get("from") || "…"} 至 ${params.get("to") || "…"} 筛选 `,
        h("a", { href: "#/tickets" }, "清除"));
    }
    table.replaceChildren(tickets.length ? h("table", {},
      h("thead", {}, h("tr", {}, ["工单号", "类型", "类别", "位置", "紧急程度", "状态", "处理时限"].map((t) => h("th", {}, t)))),
      h("tbody", {}, tickets.map((t) => h("tr", { class: t.overdue ? "overdue" : null },
        h("td", {}, h("a", { href: `#/ticket/${t.number}` }, t.number), t.flagged ? h("span", { class: "badge flag" }, "需关注") : null),
        h("td", {}, KINDS[t.kind] || t.kind), h("td", {}, t.category_name), h("td", {}, t.location || "—"),
        h("td", {}, urgencyBadge(t.urgency)), h("td", {}, t.status_name),
        h("td", {}, when(t.resolve_by), t.overdue ? h("span", { class: "badge late" }, "已超时") : deadlineBadge(t))))))
      : h("p", { class: "muted" }, "没有符合条件的工单"));
  }).catch((error) => table.replaceChildren(errorBox(error)));
}

async function ticketView(number) {
  const t = await fetchPage(`/agent/tickets/${encodeURIComponent(number)}`);
  if (!t) return;
  const note = h("input", { name: "note", placeholder: "备注（可选）", maxlength: 500 });
  const status = h("select", { name: "status" }, Object.entries(statuses()).map(([value, label]) =>
    h("option", { value, selected: value === t.status }, label)));
  const fields = [["类型", KINDS[t.kind]], ["类别", t.category_name], ["负责班组", t.team_name], ["位置", t.location],
    ["联系电话", t.contact_phone], ["渠道", t.channel], ["受理时间", when(t.created_at)], ["响应时限", when(t.respond_by)],
    ["上门时限", when(t.onsite_by)], ["处理时限", when(t.resolve_by)], ["回访时间", when(t.followup_by)]];
  show(h("h2", {}, h("a", { href: "#/tickets" }, "工单"), ` › ${t.number} `, urgencyBadge(t.urgency),
    t.overdue ? h("span", { class: "badge late" }, "已超时") : null),
  h("div", { class: "card" }, h("p", { class: "description" }, t.description),
    h("dl", {}, fields.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")]))),
  h("h3", {}, "处理记录"),
  h("table", {}, h("thead", {}, h("tr", {}, ["时间", "状态", "操作人", "备注"].map((x) => h("th", {}, x)))),
    h("tbody", {}, t.history.map((e) => h("tr", {}, h("td", {}, when(e.at)), h("td", {}, statuses()[e.status] || e.status),
      h("td", {}, e.actor), h("td", {}, e.note || ""))))),
  h("form", { class: "row", onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api("PATCH", `/agent/tickets/${encodeURIComponent(t.number)}`, { status: status.value, note: note.value || null });
      toast("状态已更新");
      ticketView(number);
    } catch (error) { toast(error.message, true); }
  } }, h("label", {}, "变更状态 ", status), note, h("button", { type: "submit", class: "primary" }, "保存")));
}

// --- trainer: FAQ, files, versions, review, try, retrain --------------------------

async function faqView() {
  const data = await fetchPage("/trainer/faq");
  if (!data) return;
  const search = h("input", { type: "search", placeholder: "搜索问题、答案或编号", id: "faq-search" });
  const body = h("tbody");
  function draw() {
    const q = search.value.trim().toLowerCase();
    const rows = data.entries.filter((e) => !q || [e.id, e.topic, e.answer, ...(e.questions || [])].join("\n").toLowerCase().includes(q));
    body.replaceChildren(...rows.map((e) => h("tr", { class: e.retired ? "retired" : null },
      h("td", {}, h("a", { href: `#/faq/${encodeURIComponent(e.id)}` }, e.id)), h("td", {}, e.topic || ""),
      h("td", {}, (e.questions || []).slice(0, 2).join(" / "), (e.questions || []).length > 2 ? ` 等${e.questions.length}种问法` : ""),
      h("td", { class: "answer" }, e.answer),
      h("td", {}, e.retired ? "已停用" : "在用", " ",
        h("button", { type: "button", class: "link", onclick: () => retire(e.id, !e.retired) }, e.retired ? "恢复" : "停用")))));
  }
  async function retire(id, retired) {
    try {
      await api("POST", `/trainer/faq/${encodeURIComponent(id)}/retire`, { retired });
      toast(retired ? `已停用 ${id}` : `已恢复 ${id}`);
      faqView();
    } catch (error) { toast(error.message, true); }
  }
  search.addEventListener("input", draw);
  show(h("h2", {}, "问答库 ", h("a", { href: "#/faq/new", class: "button" }, "新增问答")),
    h("p", { class: "muted" }, "修改答案保存后几秒内对业主生效；修改问法后需要在“模型训练”中重新训练。"),
    search, h("table", {}, h("thead", {}, h("tr", {}, ["编号", "主题", "问法", "答案", "状态"].map((t) => h("th", {}, t)))), body));
  draw();
}

async function faqEditView(id) {
  const data = await fetchPage("/trainer/faq");
  if (!data) return;
  const isNew = id === "new";
  const entry = isNew ? { id: "", topic: "", questions: [], answer: "" } : data.entries.find((e) => e.id === id);
  if (!entry) { show(errorBox(new Error(`没有编号为 ${id} 的问答`))); return; }
  const message = h("div");
  const form = h("form", { class: "card editor", onsubmit: async (event) => {
    event.preventDefault();
    const target = isNew ? form.entry_id.value.trim() : entry.id;
    try {
      await api("PUT", `/trainer/faq/${encodeURIComponent(target)}`, {
        topic: form.topic.value, questions: form.questions.value.split("\n"), answer: form.answer.value,
        retired: Boolean(entry.retired), based_on: data.fingerprint });
      toast("已保存，几秒内生效");
      location.hash = "#/faq";
    } catch (error) { message.replaceChildren(errorBox(error)); }
  } },
  h("label", {}, "编号（英文字母、数字、下划线）", h("input", { name: "entry_id", value: entry.id, readonly: !isNew, required: true })),
  h("label", {}, "主题", h("input", { name: "topic", value: entry.topic || "" })),
  h("label", {}, "业主的问法（每行一种）", h("textarea", { name: "questions", rows: 8, value: (entry.questions || []).join("\n") })),
  h("label", {}, "答案（可用 {community_name} 等占位符引用小区信息）", h("textarea", { name: "answer", id: "answer", rows: 5, value: entry.answer || "" })),
  message,
  h("div", { class: "row" }, h("button", { type: "submit", class: "primary", id: "save" }, "保存"), h("a", { href: "#/faq" }, "取消")));
  show(h("h2", {}, h("a", { href: "#/faq" }, "问答库"), ` › ${isNew ? "新增" : entry.id}`), form);
}

// Word lists are typed as one line: 你好、您好、在吗 (also split on commas, spaces, new lines).
function words(text) {
  return text.split(/[\n,，、;；\s]+/).map((w) => w.trim()).filter(Boolean);
}

// A form over one knowledge file's data: `draw(data, redraw)` returns the fields,
// each bound to `data`; saving sends the whole of it.
async function dataEditor(name, title, hint, draw) {
  const loaded = await fetchPage(`/trainer/files/${name}`);
  if (!loaded) return;
  const data = loaded.data;
  const message = h("div");
  const body = h("div");
  const summary = h("input", { placeholder: "本次修改说明（可选）", maxlength: 200, class: "summary" });
  const search = h("input", { type: "search", placeholder: "搜索", class: "search", oninput: () => redraw() });
  function redraw() { body.replaceChildren(...[draw(data, redraw, search.value.trim())].flat(Infinity)); }
  async function save() {
    try {
      const saved = await api("PUT", `/trainer/files/${name}`, { data, based_on: loaded.fingerprint, summary: summary.value });
      loaded.fingerprint = saved.fingerprint;
      message.replaceChildren();
      toast("已保存，立即生效");
    } catch (error) { message.replaceChildren(errorBox(error)); message.scrollIntoView({ block: "center" }); }
  }
  show(h("h2", {}, title), h("p", { class: "muted" }, hint, " ", h("a", { href: `#/files/${name}` }, "直接编辑文本（高级）")),
    search, body, message,
    h("div", { class: "row sticky" }, summary, h("button", { type: "button", class: "primary", id: "save-data", onclick: save }, "保存")));
  redraw();
}

const bound = (object, key, props = {}) => h("input", { ...props, value: object[key] ?? "",
  oninput: (e) => { object[key] = props.type === "number" ? parseFloat(e.target.value) : e.target.value; } });
const boundWords = (object, key, props = {}) => h("textarea", { rows: 2, ...props, value: (object[key] || []).join("、"),
  oninput: (e) => { object[key] = words(e.target.value); } });
const boundLines = (object, key, props = {}) => h("textarea", { rows: 3, ...props, value: (object[key] || []).join("\n"),
  oninput: (e) => { object[key] = e.target.value.split("\n").map((l) => l.trim()).filter(Boolean); } });
const matches = (q, ...texts) => !q || texts.flat().join("\n").toLowerCase().includes(q.toLowerCase());

function phrasesView() {
  dataEditor("phrases.yml", "话术库", "标准话术按场景组织，推荐时按会话情况（业主的话、意图、情绪、紧急程度、工单）排序。禁忌用语在客服输入时即被标出：列出的用语一定标出，其余按标注示例训练的模型按意思识别。",
    (data, redraw, q) => {
      data.scenarios = data.scenarios || [];
      data.forbidden = data.forbidden || [];
      data.examples = data.examples || [];
      const kinds = data.kinds || [];
      const kindSelect = (item, extra) => h("select", { class: "kind", onchange: (e) => { item.kind = e.target.value; } },
        ...[...kinds.map((k) => [k.id, k.name]), ...(extra || [])].map(([value, label]) =>
          h("option", { value, selected: item.kind === value }, label)));
      const firstKind = kinds.length ? kinds[0].id : "";
      return [
        h("h3", {}, "禁忌用语 ", h("button", { type: "button", id: "add-forbidden", onclick: () => { data.forbidden.push({ phrase: "", alternative: "", kind: firstKind }); redraw(); } }, "添加一条")),
        h("table", { class: "forbidden-table" }, h("thead", {}, h("tr", {}, h("th", {}, "禁忌用语"), h("th", {}, "类型"), h("th", {}, "建议改为"), h("th", {}))),
          h("tbody", {}, data.forbidden.filter((f) => matches(q, f.phrase, f.alternative)).map((f) => h("tr", {},
            h("td", {}, bound(f, "phrase", { class: "phrase" })), h("td", {}, kindSelect(f)), h("td", {}, bound(f, "alternative", { class: "wide" })),
            h("td", {}, h("button", { type: "button", class: "link", onclick: () => { data.forbidden.splice(data.forbidden.indexOf(f), 1); redraw(); } }, "删除")))))),
        h("h3", {}, "标注示例（训练禁忌用语识别） ", h("button", { type: "button", id: "add-example", onclick: () => { data.examples.push({ draft: "", kind: "polite" }); redraw(); } }, "添加示例")),
        h("table", { class: "examples-table" }, h("thead", {}, h("tr", {}, h("th", {}, "客服草稿"), h("th", {}, "类型"), h("th", {}))),
          h("tbody", {}, data.examples.filter((x) => matches(q, x.draft)).map((x) => h("tr", {},
            h("td", {}, bound(x, "draft", { class: "wide example-draft" })), h("td", {}, kindSelect(x, [["polite", "合规"]])),
            h("td", {}, h("button", { type: "button", class: "link", onclick: () => { data.examples.splice(data.examples.indexOf(x), 1); redraw(); } }, "删除")))))),
        h("h3", {}, "标准话术场景 ", h("button", { type: "button", onclick: () => { data.scenarios.push({ id: "", name: "", triggers: [], replies: [] }); redraw(); } }, "新增场景")),
        data.scenarios.filter((sc) => matches(q, sc.id, sc.name, sc.triggers || [], sc.replies || [])).map((sc) => h("div", { class: "card scenario" },
          h("div", { class: "row" }, h("label", {}, "编号 ", bound(sc, "id", { size: 16 })), h("label", {}, "名称 ", bound(sc, "name", { size: 20 })),
            h("button", { type: "button", class: "link", onclick: () => { data.scenarios.splice(data.scenarios.indexOf(sc), 1); redraw(); } }, "删除此场景")),
          h("label", {}, "触发词（用顿号分隔）", boundWords(sc, "triggers")),
          h("label", {}, "回复（每行一条，可用 {ticket_no} {team} {eta} 等占位符）", boundLines(sc, "replies", { rows: 3 })),
          h("div", { class: "row" },
            h("label", {}, "相关意图 ", boundWords(sc, "intents", { rows: 1, cols: 24 })),
            h("label", {}, "情绪 ", h("select", { onchange: (e) => { if (e.target.value) sc.emotion = e.target.value; else delete sc.emotion; } },
              h("option", { value: "" }, "不限"), h("option", { value: "high", selected: sc.emotion === "high" }, "情绪激动"))),
            h("label", {}, "紧急程度 ", h("input", { size: 6, value: (sc.urgency || []).join("、"), placeholder: "如 1、2",
              oninput: (e) => { sc.urgency = words(e.target.value).map(Number); } }))))),
      ];
    });
}

function emotionView() {
  const kinds = { anger: "愤怒", anxiety: "焦虑", fear: "恐惧", sadness: "悲伤" };
  dataEditor("emotion.yml", "情绪词库", "业主消息中每出现一组情绪词，就加上该组的权重；总分达到阈值即判为情绪激动并转人工。否定词后的情绪词（我不生气）不计。",
    (data, redraw, q) => {
      data.groups = data.groups || {};
      const add = h("input", { placeholder: "新词组编号，如 disappointment", size: 24 });
      return [
        h("div", { class: "row" }, h("label", {}, "阈值 ", bound(data, "threshold", { type: "number", step: "0.05", min: 0, max: 1 })),
          h("label", {}, "同组每多一个词加 ", bound(data, "extra_cue", { type: "number", step: "0.05", min: 0, max: 1 }))),
        h("label", {}, "否定词（用顿号分隔）", boundWords(data, "negations", { rows: 1 })),
        h("h3", {}, "情绪词组"),
        Object.entries(data.groups).filter(([name, g]) => matches(q, name, g.words || [])).map(([name, g]) => h("div", { class: "card group" },
          h("div", { class: "row" }, h("strong", {}, name),
            h("label", {}, "情绪 ", h("select", { onchange: (e) => { g.emotion = e.target.value; } },
              Object.entries(kinds).map(([value, label]) => h("option", { value, selected: g.emotion === value }, label)))),
            h("label", {}, "权重 ", bound(g, "weight", { type: "number", step: "0.05", min: 0, max: 1 })),
            h("button", { type: "button", class: "link", onclick: () => { delete data.groups[name]; redraw(); } }, "删除此词组")),
          h("label", {}, "情绪词（用顿号分隔）", boundWords(g, "words", { class: `words-${name}` })))),
        h("div", { class: "row" }, add, h("button", { type: "button", onclick: () => {
          const name = add.value.trim();
          if (name && !data.groups[name]) { data.groups[name] = { emotion: "anger", weight: 0.35, words: [] }; redraw(); }
        } }, "新增词组")),
        h("h3", {}, "文本规则"),
        h("div", { class: "row" }, Object.keys(data.rules || {}).map((key) => h("label", {},
          { repeated_punctuation: "连续感叹号/问号", shouting: "全大写喊叫", long_message: "长篇留言", long_message_chars: "长篇留言字数" }[key] || key, " ",
          bound(data.rules, key, { type: "number", step: "0.05", min: 0 })))),
      ];
    });
}

async function fileView(name) {
  let data = await fetchPage(`/trainer/files/${name}`);
  if (!data) return;
  const titles = { "phrases.yml": "话术库（标准话术与禁忌用语）", "emotion.yml": "情绪词库" };
  const message = h("div");
  const text = h("textarea", { class: "code", rows: 28, spellcheck: "false", value: data.text });
  const summary = h("input", { placeholder: "本次修改说明（可选）", maxlength: 200 });
  show(h("h2", {}, titles[name] || name),
    h("p", { class: "muted" }, "保存前会检查格式与内容；保存后立即生效，可在“修改记录”中撤销。"),
    text, message,
    h("div", { class: "row" }, summary, h("button", { type: "button", class: "primary", onclick: async () => {
      try {
        const saved = await api("PUT", `/trainer/files/${name}`, { text: text.value, based_on: data.fingerprint, summary: summary.value });
        data = { text: text.value, fingerprint: saved.fingerprint };
        message.replaceChildren();
        toast("已保存");
      } catch (error) { message.replaceChildren(errorBox(error)); }
    } }, "保存")));
}

async function versionsView() {
  const data = await fetchPage("/trainer/versions");
  if (!data) return;
  show(h("h2", {}, "修改记录"), data.versions.length ? data.versions.map((v) => h("div", { class: "card version" },
    h("div", { class: "row" }, h("strong", {}, `#${v.id} ${v.summary}`), h("span", { class: "muted" }, `${v.file} · ${v.saved_by} · ${when(v.saved_at)}`),
      h("button", { type: "button", onclick: async () => {
        try { await api("POST", `/trainer/versions/${v.id}/revert`, {}); toast(`已撤销 #${v.id}`); versionsView(); }
        catch (error) { toast(error.message, true); }
      } }, "撤销此修改")),
    h("pre", { class: "diff" }, v.diff.split("\n").map((l) => h("span", { class: l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : null }, `${l}\n`)))))
    : h("p", { class: "muted" }, "还没有修改记录"));
}

async function reviewView() {
  let items, faq;
  try { [{ items }, faq] = await Promise.all([api("GET", "/trainer/review"), api("GET", "/trainer/faq")]); }
  catch (error) { show(errorBox(error)); return; }
  const options = faq.entries.filter((e) => !e.retired).map((e) => h("option", { value: e.id }, `${e.id}（${e.topic || ""}）`));
  show(h("h2", {}, "待审核"), h("p", { class: "muted" }, "客服在人工服务中代替机器人给出的回答。采纳后成为问答库的一部分。"),
    items.length ? items.map((item) => {
      const target = h("select", {}, h("option", { value: "" }, "新建问答…"), options.map((o) => o.cloneNode(true)));
      const newId = h("input", { placeholder: "新问答编号，如 parcel_locker" });
      const topic = h("input", { placeholder: "主题" });
      const answer = h("textarea", { rows: 3, value: item.answer });
      const message = h("div");
      return h("div", { class: "card review" },
        h("p", {}, h("strong", {}, "业主问："), item.question),
        h("label", {}, `客服 ${item.agent} 答（可修改后采纳为新问答的答案）`, answer),
        h("div", { class: "row" }, "采纳到 ", target, newId, topic), message,
        h("div", { class: "row" },
          h("button", { type: "button", class: "primary", onclick: async () => {
            try {
              await api("POST", `/trainer/review/${item.id}/accept`, { faq_id: target.value || newId.value.trim(), answer: answer.value, topic: topic.value });
              toast("已采纳；新问法需重新训练后才能被识别"); reviewView();
            } catch (error) { message.replaceChildren(errorBox(error)); }
          } }, "采纳"),
          h("button", { type: "button", onclick: async () => {
            try { await api("POST", `/trainer/review/${item.id}/discard`, {}); toast("已丢弃"); reviewView(); }
            catch (error) { toast(error.message, true); }
          } }, "丢弃")));
    }) : h("p", { class: "muted" }, "没有待审核的内容"));
}

function tryView() {
  const input = h("input", { id: "try-text", placeholder: "输入一句业主会说的话，例如：电梯坏了有人被困", maxlength: 2000 });
  const result = h("div");
  const form = h("form", { class: "row", onsubmit: async (event) => {
    event.preventDefault();
    if (!input.value.trim()) return;
    try {
      const r = await api("POST", "/trainer/try", { text: input.value });
      const emotion = r.emotion || {};
      const urgency = r.urgency || {};
      result.replaceChildren(h("dl", { class: "card", id: "try-result" },
        h("dt", {}, "意图"), h("dd", {}, `${r.intent}（置信度 ${(r.confidence * 100).toFixed(1)}%）`),
        h("dt", {}, "其他候选"), h("dd", {}, r.ranking.slice(1).map((x) => `${x.intent} ${(x.confidence * 100).toFixed(1)}%`).join("，") || "—"),
        h("dt", {}, "匹配问答"), h("dd", {}, r.faq ? `${r.faq.id}（相似度 ${r.faq.score}${r.faq.answers ? "，会据此回答" : "，低于阈值，不会回答"}）` : "—"),
        h("dt", {}, "情绪"), h("dd", {}, `${emotion.level === "high" ? "情绪激动" : "平稳"}（${emotion.score}）`,
          (emotion.cues || []).length ? ` 情绪词：${emotion.cues.join("、")}` : ""),
        h("dt", {}, "紧急程度"), h("dd", {}, urgency.level ? `${URGENCY[urgency.level]}（${urgency.reason}）` : "不涉及"),
        h("dt", {}, "识别到的信息"), h("dd", {}, r.entities.map((e) => `${e.entity}=${e.value}`).join("，") || "—")));
    } catch (error) { result.replaceChildren(errorBox(error)); }
  } }, input, h("button", { type: "submit", class: "primary" }, "试一试"));
  show(h("h2", {}, "试一试"), h("p", { class: "muted" }, "看看机器人会怎样理解一句话（不会产生工单或会话）。"), form, result);
}

function retrainView() {
  const bar = h("progress", { max: 100, value: 0 });
  const state = h("p");
  const inUse = h("p", { class: "muted", id: "model-in-use" });
  const log = h("pre", { class: "log" });
  const button = h("button", { type: "button", class: "primary", onclick: async () => {
    try { await api("POST", "/trainer/retrain", {}); toast("已开始训练"); } catch (error) { toast(error.message, true); }
  } }, "重新训练");
  show(h("h2", {}, "模型训练"),
    h("p", { class: "muted" }, "问答的问法、词典有变化时需要重新训练。训练在后台进行（约两分钟），完成后自动切换到新模型，进行中的对话不受影响。"),
    button, bar, state, inUse, log);
  const names = { idle: "未在训练", training: "训练中", swapping: "正在切换模型", done: "已完成", failed: "失败" };
  every(2000, async () => {
    try {
      const s = await api("GET", "/trainer/retrain");
      bar.value = s.progress;
      button.disabled = s.state === "training" || s.state === "swapping";
      state.textContent = `${names[s.state]}${s.state === "idle" ? "" : ` · ${s.progress}% · 用时 ${duration(s.elapsed_seconds)}`}${s.message ? ` · ${s.message}` : ""}`;
      inUse.textContent = `当前使用的模型：${s.model_in_use || "—"}`;
      log.textContent = s.log.join("\n");
    } catch (error) { state.textContent = error.message; }
  });
}

// --- routing ----------------------------------------------------------------

const ROUTES = [
  [/^#\/queue$/, "agent", queueView],
  [/^#\/conversation\/(.+)$/, "agent", (id) => conversationView(decodeURIComponent(id))],
  [/^#\/tickets(\?.*)?$/, "agent", ticketsView],
  [/^#\/ticket\/(.+)$/, "agent", (n) => ticketView(decodeURIComponent(n))],
  [/^#\/faq$/, "trainer", faqView],
  [/^#\/faq\/(.+)$/, "trainer", (id) => faqEditView(decodeURIComponent(id))],
  [/^#\/phrases$/, "trainer", phrasesView],
  [/^#\/emotion$/, "trainer", emotionView],
  [/^#\/files\/(phrases\.yml|emotion\.yml)$/, "trainer", fileView],
  [/^#\/versions$/, "trainer", versionsView],
  [/^#\/review$/, "trainer", reviewView],
  [/^#\/try$/, "trainer", tryView],
  [/^#\/retrain$/, "trainer", retrainView],
  [/^#\/dashboard(\?.*)?$/, "dashboard", dashboardView],  // dashboard.js
];

async function route() {
  timers.forEach(clearInterval);
  timers = [];
  if (me === null) me = await api("GET", "/auth/me").catch(() => null);
  drawMenu();
  if (!me) { loginView(); return; }
  for (const [pattern, area, view] of ROUTES) {
    const match = location.hash.match(pattern);
    if (match) {
      if (!mayUse(area)) { show(errorBox(new Error("您的角色无权打开此页面"))); return; }
      view(...match.slice(1));
      return;
    }
  }
  location.hash = mayUse("agent") ? "#/queue" : "#/faq";
}

window.addEventListener("hashchange", route);
route();
