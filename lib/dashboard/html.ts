/**
 * HTML building blocks of the dashboard pages: escaping, the layout with its navigation, cards (a card whose data
 * failed to load shows what is wrong instead of its body), KPI tiles, tables (sortable, filterable, paged by the
 * client script) and chart slots (the ECharts option as a JSON data block: no inline script, so the CSP can forbid
 * them). Pure functions returning strings.
 */

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script type="application/json"> block (no "</script>" or "<!--" can close it). */
export function jsonBlock(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x))
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// One formatter per digit count (Number.prototype.toLocaleString builds a new one on every call: 10x slower).
const INT_FMT = new Intl.NumberFormat('en-US');
const FMT = new Map<number, Intl.NumberFormat>();

export function fmtNum(v: unknown, digits = 2): string {
  if (v === null || v === undefined || v === '') return 'n/a';
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return typeof v === 'string' ? esc(v) : 'n/a';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return INT_FMT.format(n);
  let f = FMT.get(digits);
  if (!f) FMT.set(digits, (f = new Intl.NumberFormat('en-US', { maximumFractionDigits: digits, minimumFractionDigits: Math.min(digits, 2) })));
  return f.format(n);
}

export function fmtPct(v: unknown, digits = 2): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === null || v === undefined || !Number.isFinite(n)) return 'n/a';
  return `${(n * 100).toFixed(digits)}%`;
}

export function fmtTime(ms: unknown): string {
  const n = typeof ms === 'number' ? ms : Number(ms);
  if (!Number.isFinite(n)) return typeof ms === 'string' ? esc(ms) : 'n/a';
  return new Date(n).toISOString().replace('T', ' ').replace(/\.000Z$/, 'Z');
}

export const PAGES: { path: string; title: string }[] = [
  { path: '/', title: 'Overview' },
  { path: '/research', title: 'Research runs' },
  { path: '/backtests', title: 'Backtests' },
  { path: '/live', title: 'Live monitor' },
  { path: '/regime', title: 'Regime monitor' },
  { path: '/mm', title: 'Market making' },
  { path: '/experiments', title: 'Experiments' },
  { path: '/lab', title: 'Strategy lab / Tutor' },
  { path: '/settings', title: 'Settings' },
];

export function layout(opts: { title: string; active: string; body: string; notice?: string; sse?: string }): string {
  const nav = PAGES.map((p) => `<a href="${p.path}"${p.path === opts.active ? ' class="active" aria-current="page"' : ''}>${esc(p.title)}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(opts.title)} · quantlab dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/echarts.min.js" defer></script>
<script src="/assets/dashboard.js" defer></script>
</head><body${opts.sse ? ` data-sse="${esc(opts.sse)}"` : ''}>
<header><strong>quantlab</strong> <span class="ro">read-only</span><nav>${nav}</nav></header>
<main><h1>${esc(opts.title)}</h1>${opts.notice ? `<p class="notice">${opts.notice}</p>` : ''}
${opts.body}
</main></body></html>`;
}

/** A card: a title, a body, or (when `error` is set) what is wrong with its data. */
export function card(title: string, body: string, opts: { error?: string; file?: string; id?: string; wide?: boolean } = {}): string {
  const inner = opts.error !== undefined
    ? `<div class="card-error" role="alert"><strong>cannot show this:</strong> ${esc(opts.error)}${opts.file ? `<br><code>${esc(opts.file)}</code>` : ''}</div>`
    : body;
  return `<section class="card${opts.wide ? ' wide' : ''}"${opts.id ? ` id="${esc(opts.id)}"` : ''}><h2>${esc(title)}</h2>${inner}</section>`;
}

export function errorCard(title: string, error: string, file?: string): string {
  return card(title, '', { error, file });
}

export function kpis(tiles: { label: string; value: string; hint?: string; tone?: 'good' | 'bad' | 'warn' }[]): string {
  return `<div class="kpis">${tiles.map((t) => `<div class="kpi${t.tone ? ` ${t.tone}` : ''}"${t.hint ? ` title="${esc(t.hint)}"` : ''}><div class="kpi-v">${t.value}</div><div class="kpi-l">${esc(t.label)}</div></div>`).join('')}</div>`;
}

export interface Column { key: string; label?: string; num?: boolean; html?: boolean }

/**
 * A table. Cells are escaped unless the column is `html`. `interactive` adds the filter box, header sort and paging
 * (client script); `pageSize` rows per page. Every row is in the HTML (so sorting covers all of them).
 */
export function table(columns: Column[], rows: Record<string, unknown>[], opts: { interactive?: boolean; pageSize?: number; id?: string; empty?: string } = {}): string {
  return tableOfRows(columns, rows.map((r) => rowHtml(columns, r)), opts);
}

/** One <tr> of `table` (so a caller can cache rendered rows). */
export function rowHtml(columns: Column[], r: Record<string, unknown>): string {
  return `<tr>${columns.map((c) => {
    const v = r[c.key];
    const shown = c.html ? String(v ?? '') : c.num ? fmtNum(v, 4) : esc(v);
    const sortKey = c.num && typeof v === 'number' && Number.isFinite(v) ? ` data-v="${v}"` : '';
    return `<td${c.num ? ' class="num"' : ''}${sortKey}>${shown}</td>`;
  }).join('')}</tr>`;
}

/** `table` over rows already rendered by rowHtml. */
export function tableOfRows(columns: Column[], rows: string[], opts: { interactive?: boolean; pageSize?: number; id?: string; empty?: string } = {}): string {
  if (!rows.length) return `<p class="muted">${esc(opts.empty ?? 'none')}</p>`;
  const head = columns.map((c) => `<th${c.num ? ' class="num"' : ''}${opts.interactive ? ' data-sort="1" tabindex="0"' : ''}>${esc(c.label ?? c.key)}</th>`).join('');
  const body = rows.join('\n');
  const attrs = opts.interactive ? ` class="data interactive" data-page-size="${opts.pageSize ?? 50}"` : ' class="data"';
  const filter = opts.interactive ? `<div class="tools"><input type="search" class="filter" placeholder="filter rows" aria-label="filter rows"> <span class="count"></span> <span class="pager"></span></div>` : '';
  return `<div class="table-wrap"${opts.id ? ` id="${esc(opts.id)}"` : ''}>${filter}<table${attrs}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A definition list of key/value pairs (values escaped). */
export function dl(pairs: [string, unknown][]): string {
  return `<dl class="kv">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${typeof v === 'object' && v !== null ? `<code>${esc(JSON.stringify(v))}</code>` : esc(v)}</dd>`).join('')}</dl>`;
}

let chartSeq = 0;

/** A chart slot: the client script draws `option` with ECharts; charts of one `group` share zoom and cursor. */
export function chart(option: unknown, opts: { height?: number; group?: string; id?: string } = {}): string {
  const id = opts.id ?? `c${++chartSeq}`;
  return `<div class="chart" id="${esc(id)}" style="height:${opts.height ?? 280}px"${opts.group ? ` data-group="${esc(opts.group)}"` : ''}></div><script type="application/json" data-chart-for="${esc(id)}">${jsonBlock(option)}</script>`;
}

export function pre(text: string, cls = ''): string {
  return `<pre class="${esc(cls)}">${esc(text)}</pre>`;
}

export function link(href: string, text: string): string {
  return `<a href="${esc(href)}">${esc(text)}</a>`;
}
