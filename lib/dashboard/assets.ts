/**
 * The dashboard's own browser assets (served from /assets/, never inline, so the CSP forbids inline scripts): the
 * script that draws the charts (ECharts from node_modules/echarts/dist), makes tables sortable, filterable and paged,
 * and follows a live session by server-sent events; and the style sheet.
 */

export const CLIENT_JS = String.raw`'use strict';
(function () {
  var charts = [];
  window.__dashboard = { charts: charts, sse: 0, errors: [] };
  function drawCharts() {
    if (!window.echarts) { window.__dashboard.errors.push('echarts not loaded'); return; }
    var groups = {};
    document.querySelectorAll('script[type="application/json"][data-chart-for]').forEach(function (s) {
      var el = document.getElementById(s.getAttribute('data-chart-for'));
      if (!el) return;
      var option = JSON.parse(s.textContent);
      var c = echarts.init(el, null, { renderer: 'canvas' });
      c.setOption(option);
      var g = el.getAttribute('data-group');
      if (g) { c.group = g; groups[g] = true; }
      var points = 0;
      (option.series || []).forEach(function (se) { points += (se.data || []).length; });
      el.setAttribute('data-points', String(points));
      charts.push(c);
    });
    Object.keys(groups).forEach(function (g) { echarts.connect(g); });
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  }
  function cellValue(td) {
    var v = td.getAttribute('data-v');
    if (v !== null) return { n: Number(v) };
    var t = td.textContent.trim();
    var n = Number(t.replace(/,/g, '').replace(/%$/, ''));
    return t !== '' && isFinite(n) ? { n: n } : { s: t.toLowerCase() };
  }
  function setupTable(wrap) {
    var table = wrap.querySelector('table.interactive');
    if (!table) return;
    var tbody = table.tBodies[0];
    var all = Array.prototype.slice.call(tbody.rows);
    var size = Number(table.getAttribute('data-page-size')) || 50;
    var page = 0, filtered = all, filterBox = wrap.querySelector('input.filter');
    var count = wrap.querySelector('.count'), pager = wrap.querySelector('.pager');
    function render() {
      var pages = Math.max(1, Math.ceil(filtered.length / size));
      if (page >= pages) page = pages - 1;
      all.forEach(function (r) { r.hidden = true; });
      filtered.forEach(function (r, i) { r.hidden = !(i >= page * size && i < (page + 1) * size); tbody.appendChild(r); });
      count.textContent = filtered.length + ' of ' + all.length + ' rows';
      pager.innerHTML = '';
      if (pages > 1) {
        var prev = document.createElement('button'); prev.textContent = '‹'; prev.disabled = page === 0; prev.className = 'prev';
        prev.onclick = function () { page--; render(); };
        var info = document.createElement('span'); info.className = 'page'; info.textContent = ' page ' + (page + 1) + '/' + pages + ' ';
        var next = document.createElement('button'); next.textContent = '›'; next.disabled = page >= pages - 1; next.className = 'next';
        next.onclick = function () { page++; render(); };
        pager.appendChild(prev); pager.appendChild(info); pager.appendChild(next);
      }
    }
    filterBox.addEventListener('input', function () {
      var q = filterBox.value.trim().toLowerCase();
      filtered = all.filter(function (r) { return !q || r.textContent.toLowerCase().indexOf(q) >= 0; });
      page = 0; render();
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var dir = 1;
      function sort() {
        var key = function (r) { return cellValue(r.cells[col]); };
        filtered = filtered.slice().sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x.n !== undefined && y.n !== undefined) return (x.n - y.n) * dir;
          if (x.n !== undefined) return -1; if (y.n !== undefined) return 1;
          return (x.s < y.s ? -1 : x.s > y.s ? 1 : 0) * dir;
        });
        all = filtered.concat(all.filter(function (r) { return filtered.indexOf(r) < 0; }));
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
        dir = -dir; page = 0; render();
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
    });
    render();
  }
  function follow() {
    var url = document.body.getAttribute('data-sse');
    if (!url || !window.EventSource) return;
    var state = document.getElementById('sse-state');
    var es = new EventSource(url);
    es.onopen = function () { if (state) state.textContent = 'live'; };
    es.onerror = function () { if (state) state.textContent = 'reconnecting…'; };
    es.addEventListener('lines', function (m) {
      var msg = JSON.parse(m.data);
      window.__dashboard.sse += msg.rows.length;
      var tail = document.querySelector('#event-tail tbody');
      if (!tail) {
        var wrap = document.getElementById('event-tail');
        if (!wrap) return;
      }
      msg.rows.forEach(function (row) {
        var tr = document.createElement('tr');
        ['seq', 'time', 'type', 'what', 'message'].forEach(function (k) {
          var td = document.createElement('td'); td.textContent = row[k] === undefined || row[k] === null ? '' : String(row[k]); tr.appendChild(td);
        });
        tr.className = 'new';
        if (tail) tail.insertBefore(tr, tail.firstChild);
      });
      if (state) state.textContent = 'live · ' + window.__dashboard.sse + ' new event(s), last at ' + new Date().toISOString();
    });
    es.addEventListener('status', function (m) {
      var box = document.getElementById('session-status');
      var msg = JSON.parse(m.data);
      if (!box) return;
      if (msg.state) box.setAttribute('data-state', msg.state);
      // The tiles (state, equity, fills, ...) re-rendered by the server from state.json (escaped there).
      fetch(url.replace(/\/events$/, '/status'), { cache: 'no-store' }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (h) { if (h !== null) { box.innerHTML = h; window.__dashboard.status = (window.__dashboard.status || 0) + 1; } });
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    drawCharts();
    document.querySelectorAll('.table-wrap').forEach(setupTable);
    follow();
  });
})();
`;

export const CSS = `
:root { --fg:#1f2328; --muted:#656d76; --bg:#f6f8fa; --card:#fff; --line:#d0d7de; --good:#1a7f37; --bad:#cf222e; --warn:#9a6700; --accent:#0969da; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:16px; align-items:center; padding:8px 16px; background:#24292f; color:#fff; flex-wrap:wrap; }
header nav a { color:#d0d7de; margin-right:12px; text-decoration:none; }
header nav a.active { color:#fff; font-weight:600; border-bottom:2px solid #fff; }
.ro { font-size:11px; background:#57606a; padding:1px 6px; border-radius:8px; }
main { padding:12px 16px 40px; }
h1 { font-size:20px; margin:4px 0 12px; }
h2 { font-size:15px; margin:0 0 8px; }
.grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(460px,1fr)); gap:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:12px; min-width:0; overflow:auto; }
.card.wide { grid-column:1/-1; }
.card-error { color:var(--bad); background:#ffebe9; border:1px solid #ff818266; border-radius:4px; padding:8px; margin:4px 0; }
.kpis { display:flex; flex-wrap:wrap; gap:10px; margin:0 0 12px; }
.kpi { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:8px 12px; min-width:130px; }
.kpi-v { font-size:18px; font-weight:600; }
.kpi-l { color:var(--muted); font-size:12px; }
.kpi.good .kpi-v, .good { color:var(--good); } .kpi.bad .kpi-v, .bad { color:var(--bad); } .kpi.warn .kpi-v { color:var(--warn); }
table.data { border-collapse:collapse; width:100%; font-size:12.5px; }
table.data th, table.data td { border-bottom:1px solid var(--line); padding:3px 6px; text-align:left; white-space:nowrap; }
table.data th[data-sort] { cursor:pointer; user-select:none; }
table.data th[aria-sort=ascending]::after { content:' ▲'; } table.data th[aria-sort=descending]::after { content:' ▼'; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.new { background:#fff8c5; }
.tools { margin:0 0 6px; display:flex; gap:10px; align-items:center; }
.tools input { padding:3px 6px; border:1px solid var(--line); border-radius:4px; }
.muted, .count { color:var(--muted); }
dl.kv { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:0; }
dl.kv dt { color:var(--muted); } dl.kv dd { margin:0; word-break:break-all; }
pre { background:var(--bg); padding:8px; overflow:auto; max-height:480px; font-size:12px; white-space:pre-wrap; }
.badge { font-size:11px; padding:1px 6px; border-radius:8px; } .badge.warn { background:#fff8c5; color:var(--warn); border:1px solid #d4a72c; }
.swatch { display:inline-block; width:12px; height:12px; margin:0 4px 0 10px; vertical-align:middle; border:1px solid #999; }
.swatch[data-color="0"] { background:rgba(46,160,67,0.35); } .swatch[data-color="1"] { background:rgba(218,54,51,0.35); } .swatch[data-color="2"] { background:rgba(210,153,34,0.4); }
.swatch[data-color="3"] { background:rgba(56,139,253,0.35); } .swatch[data-color="4"] { background:rgba(137,87,229,0.35); }
.lesson-plot { max-width:100%; background:#fff; }
.verdict { font-size:16px; }
a { color:var(--accent); }
`;
