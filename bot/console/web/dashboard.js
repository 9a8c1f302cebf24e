// The service dashboard (数据驾驶舱) for managers and admins: the figures of
// /dashboard/<group> (bot/figures/) as charts (Apache ECharts, loaded on first use
// from /console/echarts.min.js) and tables, each table with its CSV download.
// Uses console.js's helpers (h, show, api, when, duration, errorBox); loaded before it.
"use strict";

const FIGURE_GROUPS = ["tickets", "deadlines", "handoffs", "satisfaction", "faq"];
const RANGES = [[7, "近7天"], [30, "近30天"], [90, "近90天"], [365, "近一年"]];
let liveCharts = [];
let chartsLoading = null;

function loadCharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!chartsLoading) {
    chartsLoading = new Promise((resolve, reject) => {
      document.head.append(h("script", { src: "/console/echarts.min.js",
        onload: () => resolve(window.echarts),
        onerror: () => { chartsLoading = null; reject(new Error("图表组件未能加载（服务器上尚未安装 ECharts）")); } }));
    });
  }
  return chartsLoading;
}

// Today in the community's time zone, and n days before a YYYY-MM-DD date.
function localToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: (me && me.timezone) || undefined }).format(new Date());
}

function daysBefore(day, n) {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() - n);
  return at.toISOString().slice(0, 10);
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

// A day or more reads in days and hours (console.js's duration() stops at hours).
function span(seconds) {
  return seconds < 86400 ? duration(seconds) : `${Math.floor(seconds / 86400)}天${Math.floor((seconds % 86400) / 3600)}小时`;
}

function cellText(value, kind) {
  if (value === null || value === undefined) return "—";
  if (kind === "share") return percent(value);
  if (kind === "seconds") return span(value);
  if (kind === "time") return when(value);
  if (kind === "number") return value.toFixed(2);
  return String(value);
}

function csvHref(group, table, period) {
  const query = new URLSearchParams({ from: period.from, to: period.to, bucket: period.bucket, format: "csv", table });
  if (period.building) query.set("building", period.building);
  return `/dashboard/${group}?${query}`;
}

// A figure's table (columns from the server, so headers match the CSV) and its download link;
// `folded` under a chart that already shows it.
function figureTable(group, name, table, period, folded) {
  const link = h("a", { href: csvHref(group, name, period), class: "csv", download: "", "data-table": name }, "下载 CSV");
  if (!table.rows.length) return h("div", { class: "figure-table" }, h("p", { class: "muted" }, "暂无数据 ", link));
  const cell = (row, column) => column.key === "number"
    ? h("a", { href: `#/ticket/${encodeURIComponent(row.number)}` }, row.number) : cellText(row[column.key], column.kind);
  const grid = h("table", { class: `figures ${name}` },
    h("thead", {}, h("tr", {}, table.columns.map((c) => h("th", { class: c.kind }, c.title)))),
    h("tbody", {}, table.rows.map((row) => h("tr", {}, table.columns.map((c) => h("td", { class: c.kind }, cell(row, c)))))));
  const count = table.total > table.rows.length ? `共 ${table.total} 条，此处显示前 ${table.rows.length} 条，` : `共 ${table.total} 条，`;
  return h("div", { class: "figure-table" }, folded ? h("details", {}, h("summary", {}, "数据表"), grid) : grid,
    h("p", { class: "muted" }, count, "完整数据：", link));
}

function kpi(label, value, note) {
  return h("div", { class: "kpi" }, h("div", { class: "kpi-value" }, value), h("div", { class: "kpi-label" }, label),
    note ? h("div", { class: "muted" }, note) : null);
}

// A chart box; drawn once ECharts is loaded, redrawn at the box's size.
function chartBox(name, option, onClick) {
  const box = h("div", { class: `chart chart-${name}`, "data-chart": name });
  loadCharts().then((echarts) => {
    const chart = echarts.init(box, null, { renderer: "canvas" });
    // Tooltips drawn on the canvas: ECharts' HTML ones go through innerHTML with inline
    // styles, which this page never uses (and its Content-Security-Policy refuses).
    chart.setOption({ ...option, tooltip: { ...option.tooltip, renderMode: "richText" } });
    if (onClick) chart.on("click", onClick);
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(box);
    liveCharts.push({ chart, observer });
  }).catch((error) => box.replaceChildren(errorBox(error)));
  return box;
}

function volumeChart(volume, bucket) {
  const labels = volume.rows.map((r) => (bucket === "week" ? `${r.bucket.slice(5)}起` : r.bucket.slice(5)));
  return chartBox("volume", {
    tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 }, grid: { left: 40, right: 16, top: 40, bottom: 30 },
    xAxis: { type: "category", data: labels }, yAxis: { type: "value", minInterval: 1 },
    series: volume.columns.slice(1).map((c) => ({ name: c.title, type: "bar", stack: c.key.split(":")[0],
      data: volume.rows.map((r) => r[c.key]) })),
  });
}

function heatMapChart(heat, period) {
  const columns = heat.columns.slice(1);
  const data = heat.rows.flatMap((row, y) => columns.map((c, x) => [x, y, row[c.key]]));
  const most = Math.max(1, ...data.map((d) => d[2]));
  const box = chartBox("heatmap", {
    tooltip: { formatter: (p) => `${heat.rows[p.value[1]].building_name} · ${columns[p.value[0]].title}：${p.value[2]} 张` },
    grid: { left: 80, right: 16, top: 10, bottom: 90 },
    xAxis: { type: "category", data: columns.map((c) => c.title), axisLabel: { rotate: 40, interval: 0 } },
    yAxis: { type: "category", data: heat.rows.map((r) => r.building_name), inverse: true },
    visualMap: { min: 0, max: most, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120 },
    series: [{ type: "heatmap", data, label: { show: true }, emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }],
  }, (p) => {
    const row = heat.rows[p.value[1]];
    const [kind, category] = columns[p.value[0]].key.split(":");
    if (row.building === null) { toast("这些工单未注明楼栋，请在工单列表中按类型查看", true); return; }
    const query = new URLSearchParams({ building: row.building, kind, category, from: period.from, to: period.to });
    location.hash = `#/tickets?${query}`;
  });
  box.style.height = `${Math.max(220, heat.rows.length * 28 + 120)}px`;  // a row per building
  return box;
}

function distributionChart(distribution) {
  return chartBox("distribution", {
    tooltip: { trigger: "axis" }, grid: { left: 40, right: 16, top: 20, bottom: 30 },
    xAxis: { type: "category", data: distribution.rows.map((r) => r.score_name) }, yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", name: "份数", data: distribution.rows.map((r) => ({ value: r.count,
      itemStyle: { color: ["#c62828", "#ef6c00", "#f9a825", "#7cb342", "#2e7d32"][r.score - 1] } })) }],
  });
}

function trendChart(trend, bucket) {
  return chartBox("trend", {
    tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 44, right: 36, top: 36, bottom: 30 },
    xAxis: { type: "category", data: trend.rows.map((r) => (bucket === "week" ? `${r.bucket.slice(5)}起` : r.bucket.slice(5))) },
    yAxis: [{ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      { type: "value", minInterval: 1, splitLine: { show: false } }],
    series: [
      { type: "line", name: "满意率（4-5分）", connectNulls: true,
        data: trend.rows.map((r) => (r.csat === null ? null : Math.round(r.csat * 1000) / 10)) },
      { type: "bar", name: "评价数", yAxisIndex: 1, data: trend.rows.map((r) => r.answered) },
    ],
  });
}

function section(id, title, note) {
  const body = h("div", { class: "panel-body" }, h("p", { class: "muted" }, "正在加载…"));
  return [h("section", { class: "panel", id }, h("h3", {}, title, note ? h("span", { class: "muted note" }, note) : null), body), body];
}

const DRAW = {
  tickets(data, period) {
    return [
      h("div", { class: "kpis" }, kpi("工单", data.totals.all), kpi("报修", data.totals.repair), kpi("投诉", data.totals.complaint)),
      h("h4", {}, `${period.bucket === "week" ? "每周" : "每天"}新增工单（按类型与类别）`), volumeChart(data.volume, period.bucket),
      figureTable("tickets", "volume", data.volume, period, true),
      h("h4", {}, "楼栋 × 类别（点击格子查看这些工单）"), heatMapChart(data.heatmap, period),
      figureTable("tickets", "heatmap", data.heatmap, period, true),
    ];
  },
  deadlines(data, period) {
    return [
      h("h4", {}, "按时完成率（仅计已到期或已完成的时限）"), figureTable("deadlines", "levels", data.levels, period),
      h("h4", {}, "超时工单（当前，不限受理日期）"), figureTable("deadlines", "overdue", data.overdue, period),
      h("h4", {}, "即将超时（当前）"), figureTable("deadlines", "at_risk", data.at_risk, period),
    ];
  },
  handoffs(data, period) {
    return [
      h("div", { class: "kpis" }, kpi("当前等待人工", data.waiting_now), kpi("转人工", data.handoffs),
        kpi("会话", data.conversations), kpi("机器人独立解决率", percent(data.bot_resolution_rate), `${data.bot_resolved} 个会话未转人工`)),
      h("h4", {}, "响应与处理时长"), figureTable("handoffs", "times", data.times, period),
      h("h4", {}, "转人工原因"), figureTable("handoffs", "reasons", data.reasons, period),
    ];
  },
  satisfaction(data, period) {
    return [
      h("div", { class: "kpis" }, kpi("满意率（4-5分）", percent(data.csat)), kpi("平均分", data.mean === null ? "—" : data.mean.toFixed(2)),
        kpi("回访回复率", percent(data.response_rate), `发出 ${data.sent} 份，回复 ${data.answered_of_sent} 份`), kpi("评价", data.answered)),
      h("div", { class: "pair" },
        h("div", {}, h("h4", {}, "评分分布"), distributionChart(data.distribution)),
        h("div", {}, h("h4", {}, "满意率走势"), trendChart(data.trend, period.bucket))),
      figureTable("satisfaction", "distribution", data.distribution, period, true),
      figureTable("satisfaction", "trend", data.trend, period, true),
      h("h4", {}, "低分评价"), figureTable("satisfaction", "low_scores", data.low_scores, period),
    ];
  },
  faq(data, period) {
    return [
      h("div", { class: "kpis" }, kpi("机器人已回答", data.answered), kpi("转交人工的问题", data.passed_on),
        kpi("回答率", percent(data.answered_share))),
      h("h4", {}, "最常被问的问答"), figureTable("faq", "most_asked", data.most_asked, period),
      h("h4", {}, "机器人未能回答、已转交的问题"), figureTable("faq", "passed_on_questions", data.passed_on_questions, period),
    ];
  },
};

const TITLES = {
  tickets: ["工单量", null], deadlines: ["三级响应时效", null], handoffs: ["人工服务", "（全小区，不分楼栋）"],
  satisfaction: ["满意度回访", null], faq: ["智能问答", "（全小区，不分楼栋）"],
};

function dashboardView() {
  liveCharts.forEach(({ chart, observer }) => { observer.disconnect(); chart.dispose(); });
  liveCharts = [];
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const building = h("select", { name: "building" }, h("option", { value: "" }, "全部楼栋"));
  const form = h("form", { class: "filters", id: "dashboard-filters", onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const field of form.elements) if (field.name && field.value) chosen.set(field.name, field.value);
    location.hash = `#/dashboard?${chosen}`;
  } },
  h("label", {}, "从 ", h("input", { type: "date", name: "from", value: params.get("from") || "" })),
  h("label", {}, "到 ", h("input", { type: "date", name: "to", value: params.get("to") || "" })),
  h("label", {}, "楼栋 ", building),
  h("label", {}, "汇总 ", h("select", { name: "bucket" }, [["", "自动"], ["day", "按天"], ["week", "按周"]].map(([value, label]) =>
    h("option", { value, selected: (params.get("bucket") || "") === value }, label)))),
  h("button", { type: "submit", class: "primary" }, "查看"),
  h("span", { class: "ranges" }, RANGES.map(([days, label]) => h("button", { type: "button", class: "link", onclick: () => {
    form.elements.to.value = localToday();
    form.elements.from.value = daysBefore(form.elements.to.value, days - 1);
    form.requestSubmit();
  } }, label))));
  api("GET", "/dashboard/buildings").then(({ buildings }) => building.append(...buildings.map((b) =>
    h("option", { value: b, selected: params.get("building") === b }, `${b}栋`)))).catch(() => null);
  const sections = FIGURE_GROUPS.map((group) => section(`figures-${group}`, ...TITLES[group]));
  show(h("h2", {}, "数据驾驶舱"), form, h("div", { class: "dashboard" }, sections.map(([panel]) => panel)));
  const query = new URLSearchParams([...params].filter(([, value]) => value));
  FIGURE_GROUPS.forEach((group, i) => {
    const body = sections[i][1];
    api("GET", `/dashboard/${group}?${query}`).then((data) => {
      if (i === 0) {  // the period the server chose, shown in the pickers
        form.elements.from.value = data.period.from;
        form.elements.to.value = data.period.to;
      }
      body.replaceChildren(...DRAW[group](data, data.period).flat(Infinity));
    }).catch((error) => body.replaceChildren(errorBox(error)));
  });
}
