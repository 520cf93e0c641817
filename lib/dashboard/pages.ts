/**
 * The dashboard's pages: each a pure function of the Readers (files read-only, mtime-cached) returning an HTML
 * string. A card whose files are missing, partial or corrupt shows what is wrong and the page goes on.
 */
import { join } from 'node:path';
import { MEAN_REVERSION_DEFAULTS, MOMENTUM_DEFAULTS, PAIRS_DEFAULTS } from '../dsl/templates.js';
import { barChart, drawdown, timeChart, zip, type LineSeries, type Point } from './charts.js';
import { csvColumn, parseCsv, parseJson, type Csv, type Loaded } from './files.js';
import { card, chart, dl, errorCard, esc, fmtNum, fmtPct, fmtTime, kpis, layout, link, pre, rowHtml, table, tableOfRows, type Column } from './html.js';
import { isObj, Readers, redact, type Obj } from './readers.js';

export interface ExperimentsView {
  /** The store opened read-only, or why it could not be. */
  open(): { ok: true; specs: Obj[]; events: Obj[]; runs: Obj[]; file: string } | { ok: false; error: string; file: string };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined || v === '' ? NaN : Number(v));
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function csvObjects(csv: Csv, limit?: number): Obj[] {
  const rows = limit !== undefined ? csv.rows.slice(-limit) : csv.rows;
  return rows.map((r) => Object.fromEntries(csv.header.map((h, i) => {
    const v = r[i]!;
    const n = Number(v);
    return [h, v !== '' && Number.isFinite(n) && /^-?[\d.eE+-]+$/.test(v) ? n : v];
  })));
}

function columnsOf(csv: Csv): Column[] {
  const sample = csv.rows[0] ?? [];
  return csv.header.map((h, i) => ({ key: h, num: sample[i] !== undefined && sample[i] !== '' && Number.isFinite(Number(sample[i])) }));
}

function equityCharts(points: Point[], group: string, title = 'equity'): string {
  return chart(timeChart([{ name: title, points }], { yName: title }), { group, height: 260 })
    + chart(timeChart([{ name: 'drawdown', points: drawdown(points), area: true }], { yName: 'drawdown' }), { group, height: 180 });
}

function htmlOf(l: Loaded<string>): string {
  return l.ok ? l.value : `<div class="card-error">${esc(l.error)}</div>`;
}

function synthBadge(synthetic: unknown): string {
  return synthetic === true ? ' <span class="badge warn">SYNTHETIC</span>' : '';
}

// ------------------------------------------------------------------------------------------------------- Overview
export function overviewPage(r: Readers, exps: ExperimentsView): string {
  const tiles: Parameters<typeof kpis>[0] = [];
  const cards: string[] = [];
  const rec: Obj[] = [];

  const rep = r.report();
  if (rep.ok) {
    const m = obj(obj(rep.value.oos).metrics);
    const o = obj(rep.value.overfitting);
    tiles.push({ label: 'research OOS return', value: fmtPct(m.total_return), tone: num(m.total_return) > 0 ? 'good' : 'bad' });
    tiles.push({ label: 'research DSR', value: fmtNum(o.dsr, 3), hint: 'deflated Sharpe ratio of the stitched OOS book' });
  } else tiles.push({ label: 'research', value: 'no report', hint: rep.error });
  for (const pr of r.pipelineRuns(20)) {
    const v = pr.run.ok ? pr.run.value : {};
    rec.push({ system: 'research', id: link(`/research#run-${pr.id}`, pr.id), when: String(v.started_at ?? ''), status: pr.run.ok ? String(v.status ?? '?') : `unreadable: ${pr.run.error}` });
  }

  const bts = r.backtestIds();
  if (bts.length) {
    const m = r.json(join(r.backtestDir(bts[0]!) ?? '', 'metrics.json'));
    const mm = m.ok ? obj(m.value.metrics) : {};
    tiles.push({ label: `last backtest (${bts.length} runs)`, value: m.ok ? `${fmtPct(mm.total_return)} · SR ${fmtNum(mm.sharpe, 2)}` : 'unreadable', hint: m.ok ? bts[0] : m.error });
  } else tiles.push({ label: 'backtests', value: '0' });
  for (const id of bts.slice(0, 20)) rec.push({ system: 'backtest', id: link(`/backtests/${id}`, id), when: idTime(id), status: 'complete' });

  const sessions = r.sessionIds().map((id) => r.sessionStatus(id));
  tiles.push({ label: 'paper/live sessions', value: String(sessions.length), tone: sessions.some((s) => s.tone === 'bad') ? 'bad' : sessions.some((s) => s.tone === 'warn') ? 'warn' : undefined });
  for (const s of sessions) rec.push({ system: 'session', id: link(`/live/${s.id}`, s.id), when: Number.isFinite(s.mtimeMs) ? fmtTime(s.mtimeMs) : '', status: s.label });
  cards.push(card('Sessions', table([{ key: 'id', html: true }, { key: 'status' }, { key: 'equity', num: true }, { key: 'last event' }],
    sessions.map((s) => ({ id: link(`/live/${s.id}`, s.id), status: s.label, equity: s.state.ok ? num(s.state.value.equity) : NaN, 'last event': Number.isFinite(s.mtimeMs) ? fmtTime(s.mtimeMs) : 'n/a' })), { empty: 'no session under runs/live/sessions' })));

  const k = r.json(join(r.monitorDir(), 'kpis.json'));
  if (k.ok) tiles.push({ label: 'regime monitor Sharpe', value: fmtNum(obj(k.value.kpis).sharpe, 2) });
  const tl = r.csv(join(r.monitorDir(), 'regime_timeline.csv'));
  if (tl.ok && tl.value.rows.length) {
    const last = tl.value.rows[tl.value.rows.length - 1]!;
    tiles.push({ label: `regime on ${last[0]}`, value: esc(last[tl.value.header.indexOf('label')] || 'none') });
  }
  const mms = r.mmRuns();
  if (mms.length) {
    const m = r.json(join(r.artifactsDir(), `${mms[0]}_metrics.json`));
    tiles.push({ label: 'last MM net P&L', value: m.ok ? `${fmtNum(obj(m.value.pnl).net_pnl_usd, 2)} USD` : 'unreadable', hint: mms[0] });
    for (const id of mms.slice(0, 10)) rec.push({ system: 'market making', id: link('/mm', id), when: idTime(id), status: 'complete' });
  }
  const ex = exps.open();
  tiles.push({ label: 'experiments', value: ex.ok ? String(ex.specs.length) : 'no store', hint: ex.ok ? ex.file : ex.error });
  for (const l of r.lessonIds()) rec.push({ system: 'lesson', id: link('/lab', l), when: '', status: 'written' });

  rec.sort((a, b) => String(b.when).localeCompare(String(a.when)));
  cards.unshift(card('Recent runs across systems', table([{ key: 'system' }, { key: 'id', html: true }, { key: 'when' }, { key: 'status' }], rec.slice(0, 50), { interactive: true, pageSize: 20, empty: 'nothing has run yet' }), { wide: true }));
  return layout({ title: 'Overview', active: '/', body: kpis(tiles) + `<div class="grid">${cards.join('')}</div>` });
}

/** `20261206T111739Z_...` or `20261206T111739Z-abcd` -> `2026-12-06 11:17:39Z`. */
function idTime(id: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}Z` : '';
}

// --------------------------------------------------------------------------------------------------- Research runs
export function researchPage(r: Readers): string {
  const out: string[] = [];
  out.push(`<p>${link('/report/strategy', 'Open the static strategy report (reports/strategy/report.html)')}</p>`);
  // The report's cards are rendered once per version of report.json (the mtime-keyed cache holds the HTML).
  const cards = r.cache.load(r.reportFile(), 'research-cards', (text, file) => reportCards(jsonObjectOf(text, file), file));
  out.push(cards.ok ? cards.value : errorCard('Strategy report', cards.error, cards.file));
  const runs = r.pipelineRuns(200);
  out.push(card('Pipeline runs', table([{ key: 'run_id', html: true }, { key: 'status' }, { key: 'started_at' }, { key: 'seconds', num: true }, { key: 'stages' }],
    runs.map((p) => p.run.ok
      ? { run_id: `<span id="run-${esc(p.id)}">${esc(p.id)}</span>`, status: p.run.value.status, started_at: p.run.value.started_at, seconds: num(p.run.value.duration_ms) / 1000,
        stages: arr(p.run.value.stages).map(obj).map((s) => `${s.name} ${obj(s.outcome).type ?? ''} ${fmtNum(num(s.duration_ms) / 1000, 1)}s`).join(' · ') }
      : { run_id: esc(p.id), status: `unreadable: ${p.run.error}` }), { interactive: true, pageSize: 20, empty: 'no pipeline run under reports/runs' }), { wide: true }));
  return layout({ title: 'Research runs', active: '/research', body: `<div class="grid">${out.join('')}</div>` });
}

function jsonObjectOf(text: string, file: string): Obj {
  const v = parseJson(text, file);
  if (!isObj(v)) throw new Error(`${file}: expected a JSON object`);
  return v;
}

/** The strategy report's cards (report.json of the pipeline's report stage). */
function reportCards(d: Obj, file: string): string {
  const out: string[] = [];
    try {
      const g = obj(d.generated);
      const oos = obj(d.oos);
      const m = obj(oos.metrics);
      const o = obj(d.overfitting);
      out.push(card('Run', dl([['run id', g.run_id], ['data', `${g.data_source}${g.synthetic ? ' (SYNTHETIC)' : ''}`], ['timeframe', g.timeframe], ['period', `${fmtTime(g.start_ms)} → ${fmtTime(g.end_ms)}`], ['instruments', g.n_instruments], ['plan hash', d.plan_hash], ['cost digest', d.cost_digest]])));
      out.push(kpis([
        { label: 'OOS total return', value: fmtPct(m.total_return), tone: num(m.total_return) > 0 ? 'good' : 'bad' },
        { label: 'Sharpe', value: fmtNum(m.sharpe, 2) }, { label: 'max drawdown', value: fmtPct(m.max_drawdown) },
        { label: 'PSR', value: fmtNum(o.psr, 3) }, { label: 'DSR', value: fmtNum(o.dsr, 3), hint: `against ${o.trials} trials, SR0 ${fmtNum(o.sr0_annual, 2)}` },
        { label: 'clustered DSR', value: fmtNum(obj(o.clustered).dsr, 3), hint: `${fmtNum(obj(o.clustered).trials_effective)} effective trials` },
        { label: 'MinTRL (days)', value: fmtNum(o.min_trl_days, 0), hint: `vs SR0: ${fmtNum(o.min_trl_sr0_days, 0)} days; track record ${fmtNum(o.n_days)} days` },
        { label: 'PBO', value: fmtNum(o.pbo, 3), hint: `${o.pbo_splits} CSCV splits`, tone: num(o.pbo) > 0.5 ? 'bad' : undefined },
      ]));
      const funnel = arr(d.funnel).map(obj);
      out.push(card('Funnel', chart(barChart(funnel.map((f) => String(f.step)), [{ name: 'count', values: funnel.map((f) => num(f.count)) }], { horizontal: true }), { height: 60 + 34 * funnel.length })
        + table([{ key: 'step' }, { key: 'count', num: true }, { key: 'note' }], funnel)));
      const ts = arr(oos.ts_ms).map(num);
      const eq = zip(ts, arr(oos.equity).map(num));
      out.push(card('Out-of-sample equity and drawdown', eq.length ? equityCharts(eq, 'research') : '<p class="muted">no out-of-sample equity</p>', { wide: true }));
      const win = arr(d.windows).map(obj);
      out.push(card('Walk-forward windows', chart(barChart(win.map((w) => `#${w.index}`), [{ name: 'OOS return', values: win.map((w) => num(w.oos_return)) }]), { height: 220 })
        + table([{ key: 'index', num: true }, { key: 'train' }, { key: 'test' }, { key: 'selected' }, { key: 'oos_return', num: true }, { key: 'oos_sharpe', num: true }],
          win.map((w) => ({ ...w, train: `${fmtTime(w.train_start_ms)} → ${fmtTime(w.train_end_ms)}`, test: `${fmtTime(w.test_start_ms)} → ${fmtTime(w.test_end_ms)}`, selected: arr(w.selected).join(' ') })), { interactive: true, pageSize: 25 }), { wide: true }));
      const cs = arr(d.cost_sensitivity).map(obj);
      out.push(card('Cost sensitivity', chart(barChart(cs.map((c) => String(c.label)), [{ name: 'total return', values: cs.map((c) => num(c.total_return)) }, { name: 'Sharpe', values: cs.map((c) => num(c.sharpe)) }]), { height: 240 })
        + table([{ key: 'label' }, { key: 'multiplier', num: true }, { key: 'total_return', num: true }, { key: 'sharpe', num: true }], cs)));
      out.push(card('Overfitting checks', dl([['trials', o.trials], ['SR0 (annual)', fmtNum(o.sr0_annual, 3)], ['PSR', fmtNum(o.psr, 4)], ['DSR', fmtNum(o.dsr, 4)], ['MinTRL vs 0 (days)', fmtNum(o.min_trl_days, 1)], ['MinTRL vs SR0 (days)', fmtNum(o.min_trl_sr0_days, 1)], ['PBO', fmtNum(o.pbo, 4)], ['P(IS winner loses OOS)', fmtNum(o.pbo_prob_oos_loss, 4)], ['degradation slope / R²', `${fmtNum(o.pbo_degradation_slope, 3)} / ${fmtNum(o.pbo_degradation_r2, 3)}`], ['dominance', o.pbo_dominance], ['rank convention', o.rank_convention]])
        + (arr(o.notes).length ? `<ul>${arr(o.notes).map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '')));
      out.push(card('Blueprints', table([{ key: 'id' }, { key: 'name' }, { key: 'source' }, { key: 'instruments' }, { key: 'full_sharpe', num: true }, { key: 'full_return', num: true }, { key: 'times_selected', num: true }, { key: 'oos_return', num: true }, { key: 'n_trades', num: true }, { key: 'cost_digest_status' }],
        arr(d.blueprints).map(obj), { interactive: true, pageSize: 25 }), { wide: true }));
      const stages = arr(d.stages).map(obj);
      out.push(card('Stage timings (the report run)', table([{ key: 'stage' }, { key: 'seconds', num: true }, { key: 'rows', num: true }, { key: 'run_id' }], stages, { empty: 'none recorded (golden runs omit wall times)' })));
      const warn = [...arr(d.critical_warnings), ...arr(d.warnings)];
      if (warn.length) out.push(card('Warnings', `<ul>${warn.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`, { wide: true }));
    } catch (e) {
      out.push(errorCard('Strategy report', `unexpected shape: ${(e as Error).message}`, file));
    }
  return out.join('');
}

// ------------------------------------------------------------------------------------------------------- Backtests
const BACKTEST_COLUMNS: Column[] = [{ key: 'run', html: true }, { key: 'symbol' }, { key: 'strategy' }, { key: 'interval' }, { key: 'synthetic' }, { key: 'total_return', num: true }, { key: 'sharpe', num: true }, { key: 'max_drawdown', num: true }, { key: 'n_trades', num: true }, { key: 'psr', num: true }];

export function backtestsPage(r: Readers): string {
  const ids = r.backtestIds();
  // One rendered row per run, cached by its metrics.json (a published run folder does not change).
  const rows = ids.map((id) => {
    const m = r.cache.load(join(r.roots.runsDir, id, 'metrics.json'), 'bt-row', (t, f) => {
      const v = jsonObjectOf(t, f);
      const mm = obj(v.metrics);
      return rowHtml(BACKTEST_COLUMNS, { run: link(`/backtests/${id}`, id), symbol: v.symbol, strategy: v.strategy, interval: v.interval, synthetic: obj(v.provenance).synthetic === true ? 'yes' : '',
        total_return: num(mm.total_return), sharpe: num(mm.sharpe), max_drawdown: num(mm.max_drawdown), n_trades: num(mm.n_trades), psr: num(mm.psr) });
    });
    return m.ok ? m.value : rowHtml(BACKTEST_COLUMNS, { run: link(`/backtests/${id}`, id), strategy: `unreadable: ${m.error}` });
  });
  const body = card(`Backtest runs (${ids.length})`, tableOfRows(BACKTEST_COLUMNS, rows, { interactive: true, pageSize: 50, empty: `no run folder under ${r.roots.runsDir} (quantlab backtest writes them)` }), { wide: true });
  return layout({ title: 'Backtests', active: '/backtests', body });
}

export function backtestPage(r: Readers, id: string): string | undefined {
  const dir = r.backtestDir(id);
  if (!dir) return undefined;
  const out: string[] = [];
  const m = r.json(join(dir, 'metrics.json'));
  let synthetic = false;
  if (m.ok) {
    const mm = obj(m.value.metrics);
    synthetic = obj(m.value.provenance).synthetic === true;
    out.push(kpis([
      { label: 'total return', value: fmtPct(mm.total_return), tone: num(mm.total_return) > 0 ? 'good' : 'bad' }, { label: 'CAGR', value: fmtPct(mm.cagr) },
      { label: 'Sharpe', value: fmtNum(mm.sharpe, 2) }, { label: 'Sortino', value: fmtNum(mm.sortino, 2) }, { label: 'max drawdown', value: fmtPct(mm.max_drawdown) },
      { label: 'hit rate', value: fmtPct(mm.hit_rate, 1) }, { label: 'trades', value: fmtNum(mm.n_trades) }, { label: 'PSR', value: fmtNum(mm.psr, 3) },
    ]));
    out.push(card('Metrics', dl([['symbol', m.value.symbol], ['strategy', m.value.strategy], ['interval', m.value.interval], ['blueprint', m.value.blueprint_id], ['bars', m.value.bars], ...Object.entries(mm).map(([k, v]) => [k, typeof v === 'number' ? fmtNum(v, 4) : v] as [string, unknown])])));
  } else out.push(errorCard('Metrics', m.error, m.file));
  const p = r.json(join(dir, 'provenance.json'));
  if (p.ok) {
    const v = redact(p.value) as Obj;
    out.push(card('Provenance', dl([['created', v.created_utc], ['git SHA', v.git_sha ?? 'none (outside a checkout)'], ['entrypoint', v.entrypoint], ['argv', arr(v.argv).join(' ')], ['environment flags', v.environment_flags], ['params', v.params], ['window', obj(v.window).spec ?? v.window], ['costs digest', obj(v.costs).digest ?? '']])
      + table([{ key: 'path' }, { key: 'rows', num: true }, { key: 'sha256' }], arr(obj(v.data).lineage ?? v.data).map(obj).map((l) => ({ path: l.path, rows: num(l.rows), sha256: String(l.sha256 ?? '').slice(0, 16) })), { empty: 'no lake partition read (synthetic bars)' })));
  } else out.push(errorCard('Provenance', p.error, p.file));
  const eq = r.series(join(dir, 'equity.csv'), 'ts_utc', ['equity']);
  out.push(eq.ok ? card('Equity and drawdown', htmlOf(r.cache.load(eq.file, 'bt-equity-html', () => equityCharts(zip(eq.value.ts, eq.value.cols.equity!), 'bt'))), { wide: true }) : errorCard('Equity and drawdown', eq.error, eq.file));
  const tr = r.cache.load(join(dir, 'trades.csv'), 'bt-trades-html', (t, f) => {
    const c = parseCsv(t, f);
    return card(`Trades (${c.rows.length})`, table(columnsOf(c), csvObjects(c), { interactive: true, pageSize: 25, id: 'trades' }), { wide: true });
  });
  out.push(tr.ok ? tr.value : errorCard('Trades', tr.error, tr.file));
  const s = r.text(join(dir, 'session.md'));
  if (s.ok) out.push(card('session.md', pre(s.value), { wide: true }));
  return layout({ title: `Backtest ${id}`, active: '/backtests', body: `${synthBadge(synthetic)}<div class="grid">${out.join('')}</div>` });
}

// ---------------------------------------------------------------------------------------------------- Live monitor
export function livePage(r: Readers): string {
  const sessions = r.sessionIds().map((id) => r.sessionStatus(id));
  const body = card('Paper and live sessions', table([{ key: 'session', html: true }, { key: 'status' }, { key: 'equity', num: true }, { key: 'fills', num: true }, { key: 'denied', num: true }, { key: 'bars', num: true }, { key: 'last event' }],
    sessions.map((s) => {
      const v = s.state.ok ? s.state.value : {};
      return { session: link(`/live/${s.id}`, s.id), status: s.label, equity: num(v.equity), fills: num(v.n_fills), denied: num(v.n_orders_denied), bars: num(v.bars_processed), 'last event': Number.isFinite(s.mtimeMs) ? fmtTime(s.mtimeMs) : 'n/a' };
    }), { interactive: true, empty: 'no session under runs/live/sessions (quantlab live trade writes them)' }), { wide: true });
  return layout({ title: 'Live monitor', active: '/live', body });
}

export function eventRow(e: Obj): Obj {
  const what = e.type === 'guard' ? `${e.rule} ${e.decision}${e.state_before !== e.state_after ? ` ${e.state_before}→${e.state_after}` : ''}`
    : e.type === 'order' ? `order ${e.order_id} ${e.event} ${e.kind} ${e.symbol} qty ${e.qty}${e.price !== null && e.price !== undefined ? ` @ ${e.price}` : ''}`
      : e.type === 'quantize' ? `quantize ${e.decision}` : String(e.type ?? '?');
  return { seq: e.seq, time: fmtTime(e.ts_ms), type: e.type, what, message: e.message ?? e.reason ?? '' };
}

/** The session's KPI tiles (also served alone at /live/<id>/status for the live refresh), or undefined. */
export function sessionTiles(r: Readers, id: string): string | undefined {
  if (!r.sessionDir(id)) return undefined;
  const st = r.sessionStatus(id);
  if (!st.state.ok) return `<div class="card-error">${esc(st.state.error)}</div>`;
  const v = st.state.value;
  return kpis([
      { label: 'state', value: esc(v.state), tone: st.tone }, { label: 'equity', value: fmtNum(v.equity, 2) }, { label: 'cash', value: fmtNum(v.cash, 2) },
      { label: 'fills', value: fmtNum(v.n_fills) }, { label: 'orders denied', value: fmtNum(v.n_orders_denied) }, { label: 'bars processed', value: fmtNum(v.bars_processed) },
      { label: 'last bar', value: fmtTime(v.last_bar_ts_ms) },
    ]);
}

export function sessionPage(r: Readers, id: string): string | undefined {
  const dir = r.sessionDir(id);
  if (!dir) return undefined;
  const st = r.sessionStatus(id);
  const out: string[] = [];
  if (st.state.ok) {
    const v = st.state.value;
    out.push(`<div id="session-status">${sessionTiles(r, id)}</div>`);
    const tripped = obj(v.tripped);
    out.push(card('Guards', Object.keys(tripped).length
      ? table([{ key: 'guard' }, { key: 'latched because' }], Object.entries(tripped).map(([g, why]) => ({ guard: g, 'latched because': why })))
      : `<p>no breaker latched (state ${esc(v.state)}); ${esc(st.label)}</p>`));
    out.push(card('Account', dl([['session', v.session_id], ['status', v.status], ['blueprint', v.blueprint_id], ['risk digest', v.risk_digest], ['positions', v.positions]])));
  } else out.push(errorCard('Account', st.state.error, st.state.file));
  const acc = r.series(join(dir, 'account.csv'), 'ts_utc', ['equity', 'cash']);
  out.push(acc.ok ? card('Equity', htmlOf(r.cache.load(acc.file, 'live-equity-html', () => equityCharts(zip(acc.value.ts, acc.value.cols.equity!), 'live'))), { wide: true }) : errorCard('Equity', acc.error, acc.file));
  for (const [file, title, filter] of [['positions.csv', 'Positions (open lots)', undefined], ['orders.csv', 'Orders', undefined], ['orders.csv', 'Fills', 'filled'], ['trades.csv', 'Trades', undefined]] as const) {
    const c = r.csv(join(dir, file));
    if (!c.ok) { out.push(errorCard(title, c.error, c.file)); continue; }
    let rows = csvObjects(c.value);
    if (filter) rows = rows.filter((x) => x.event === filter);
    out.push(card(`${title} (${rows.length})`, table(columnsOf(c.value), rows.slice(-5000), { interactive: true, pageSize: 20 }), { wide: true }));
  }
  const ev = r.sessionEvents(dir, 200);
  if ('error' in ev) out.push(errorCard('Events (state.jsonl)', ev.error));
  else {
    const guards = ev.events.filter((e) => e.type === 'guard' && e.decision !== 'allow');
    out.push(card('Guard decisions (deny, trip) in the last 200 events', table([{ key: 'seq', num: true }, { key: 'time' }, { key: 'type' }, { key: 'what' }, { key: 'message' }], guards.map(eventRow), { empty: 'none' })));
    out.push(card('Event tail (state.jsonl, live)', `<p class="muted">updated by server-sent events; <span id="sse-state">connecting…</span></p>`
      + table([{ key: 'seq', num: true }, { key: 'time' }, { key: 'type' }, { key: 'what' }, { key: 'message' }], ev.events.slice(-50).reverse().map(eventRow), { id: 'event-tail', empty: 'no event yet' })
      + (ev.bad.length ? `<div class="card-error">${ev.bad.length} unreadable line(s): ${esc(ev.bad.slice(-3).join(' | '))}</div>` : ''), { wide: true }));
  }
  const log = r.logTail(join(dir, 'logs', 'run.log'), 100);
  out.push('error' in log ? errorCard('Log tail (logs/run.log)', log.error) : card('Log tail (logs/run.log)', pre(log.lines.join('\n'), 'log'), { wide: true }));
  return layout({ title: `Session ${id}`, active: '/live', body: `<div class="grid">${out.join('')}</div>`, sse: `/live/${id}/events` });
}

// -------------------------------------------------------------------------------------------------- Regime monitor
const REGIME_COLORS = ['rgba(46,160,67,0.15)', 'rgba(218,54,51,0.15)', 'rgba(210,153,34,0.18)', 'rgba(56,139,253,0.15)', 'rgba(137,87,229,0.15)'];

/** The BTC and alt-index series of the monitor's dashboard.html (its `const D = {...};` data line, lib/monitor/dashboard.ts). */
export function monitorPrices(text: string, file: string): { days: string[]; btc: number[]; alt_index: number[] } {
  const m = /\nconst D = (\{.*\});\n/.exec(text);
  if (!m) throw new Error(`${file}: no "const D = {...};" data line (not a monitor dashboard, or another version)`);
  const d = JSON.parse(m[1]!) as Obj;
  const nums = (k: string) => arr(d[k]).map((v) => (typeof v === 'number' ? v : NaN));
  if (!Array.isArray(d.days) || !Array.isArray(d.btc) || !Array.isArray(d.alt_index)) throw new Error(`${file}: the data line has no days, btc or alt_index`);
  return { days: (d.days as unknown[]).map(String), btc: nums('btc'), alt_index: nums('alt_index') };
}

export function regimePage(r: Readers): string {
  const dir = r.monitorDir();
  const out: string[] = [];
  const k = r.json(join(dir, 'kpis.json'));
  if (k.ok) {
    const v = obj(k.value.kpis);
    out.push(kpis([{ label: 'mode', value: esc(k.value.mode) }, { label: 'CAGR', value: fmtPct(v.cagr) }, { label: 'Sharpe', value: fmtNum(v.sharpe, 2) }, { label: 'Sortino', value: fmtNum(v.sortino, 2) }, { label: 'max drawdown', value: fmtPct(v.max_drawdown) }, { label: 'Calmar', value: fmtNum(v.calmar, 2) }, { label: 'hit rate', value: fmtPct(v.hit_rate, 1) }, { label: 'turnover (annual)', value: fmtNum(v.turnover_annual, 1) }]));
  } else out.push(errorCard('KPIs', k.error, k.file));
  const tl = r.csv(join(dir, 'regime_timeline.csv'));
  if (tl.ok) {
    try {
      const f = tl.file;
      const dates = tl.value.rows.map((x) => Date.parse(`${x[0]}T00:00:00Z`));
      const score = csvColumn(tl.value, 'score', f);
      const li = tl.value.header.indexOf('label');
      if (li < 0) throw new Error(`${f}: no column "label"`);
      const labels = tl.value.rows.map((x) => x[li]!);
      const names = [...new Set(labels.filter((l) => l))];
      const bands: { from: number; to: number; label: string; color: string }[] = [];
      for (let i = 0; i < labels.length; i++) {
        if (!labels[i]) continue;
        const last = bands[bands.length - 1];
        const to = dates[i]! + 86_400_000;
        if (last && last.label === labels[i] && last.to === dates[i]) last.to = to;
        else bands.push({ from: dates[i]!, to, label: labels[i]!, color: REGIME_COLORS[names.indexOf(labels[i]!) % REGIME_COLORS.length]! });
      }
      const legend = names.map((n, i) => `<span class="swatch" data-color="${i % REGIME_COLORS.length}"></span>${esc(n)}`).join(' ');
      const eqS = r.series(join(dir, 'bt_equity_curve.csv'), 'date', ['equity']);
      const series: LineSeries[] = [{ name: 'regime score', points: zip(dates, score) }];
      // BTC and the alt index (rebased to 1) are in the monitor's own dashboard.html data block only.
      const prices = r.cache.load(join(dir, 'dashboard.html'), 'monitor-prices', monitorPrices);
      if (prices.ok) {
        const t = prices.value.days.map((d) => Date.parse(`${d}T00:00:00Z`));
        series.push({ name: 'BTC (rebased)', points: zip(t, prices.value.btc), yAxisIndex: 1 }, { name: 'alt index (rebased)', points: zip(t, prices.value.alt_index), yAxisIndex: 1 });
      }
      out.push(card('Regime timeline', `<p>${legend}</p>` + chart(timeChart(series, { yName: 'score', y2Name: prices.ok ? 'price (rebased)' : undefined, markAreas: bands }), { group: 'regime', height: 300 })
        + (prices.ok ? '' : `<p class="muted">BTC and the alt index: ${esc(prices.error)} (${esc(prices.file)}; the monitor writes them there when outputs.dashboard is on)</p>`)
        + (eqS.ok ? chart(timeChart([{ name: 'strategy equity', points: zip(eqS.value.ts, eqS.value.cols.equity!) }], { yName: 'equity', markAreas: bands }), { group: 'regime', height: 220 }) : `<div class="card-error">${esc(eqS.error)}</div>`)
, { wide: true }));
      const eqd = r.series(join(dir, 'bt_equity_curve.csv'), 'date', ['drawdown']);
      if (eqd.ok) out.push(card('Drawdown', chart(timeChart([{ name: 'drawdown', points: zip(eqd.value.ts, eqd.value.cols.drawdown!), area: true }], { yName: 'drawdown' }), { group: 'regime', height: 180 }), { wide: true }));
    } catch (e) {
      out.push(errorCard('Regime timeline', (e as Error).message, tl.file));
    }
  } else out.push(errorCard('Regime timeline', tl.error, tl.file));
  const rm = r.csv(join(dir, 'regime_metrics.csv'));
  if (rm.ok) {
    const rows = csvObjects(rm.value);
    const h1 = rows.filter((x) => x.horizon_days === rows[0]?.horizon_days);
    out.push(card('Per-regime statistics', chart(barChart(h1.map((x) => String(x.label)), [{ name: `mean (h=${rows[0]?.horizon_days ?? '?'}d)`, values: h1.map((x) => num(x.mean)) }]), { height: 220 })
      + table(columnsOf(rm.value), rows, { interactive: true }), { wide: true }));
  } else out.push(errorCard('Per-regime statistics', rm.error, rm.file));
  const cat = r.csv(join(r.roots.dataDir, 'runs', 'catalog.csv'));
  if (cat.ok) out.push(card('Monitor experiment runs (runs/catalog.csv)', table(columnsOf(cat.value), csvObjects(cat.value), { interactive: true }), { wide: true }));
  return layout({ title: 'Regime monitor', active: '/regime', body: `<p>${link('/report/monitor', "Open the monitor's own offline dashboard (reports/monitor/dashboard.html)")}</p><div class="grid">${out.join('')}</div>` });
}

// -------------------------------------------------------------------------------------------------- Market making
export function mmPage(r: Readers): string {
  const a = r.artifactsDir();
  const out: string[] = [];
  const rt = r.mmRealtime();
  if (rt.length) {
    const f = join(a, 'realtime', `${rt[0]}.jsonl`);
    const l = r.jsonl(f);
    if (l.ok) {
      const q = l.value.rows.filter((x) => x.type === 'quote');
      const ts = q.map((x) => Date.parse(String(x.ts_utc)));
      const pick = (k: string) => zip(ts, q.map((x) => num(x[k])));
      out.push(card(`Quotes vs mid (realtime ${rt[0]})`, chart(timeChart([{ name: 'mid', points: pick('mid') }, { name: 'bid', points: pick('bid') }, { name: 'ask', points: pick('ask') }], { yName: 'price' }), { group: 'mm', height: 260 })
        + chart(timeChart([{ name: 'inventory (lots)', points: pick('inventory_lots'), step: true, area: true }], { yName: 'lots' }), { group: 'mm', height: 180 })
        + (l.value.bad.length ? `<div class="card-error">${l.value.bad.length} unreadable line(s), first at line ${l.value.bad[0]!.line}</div>` : ''), { wide: true }));
    } else out.push(errorCard('Quotes vs mid', l.error, l.file));
  } else out.push(card('Quotes vs mid', '<p class="muted">no realtime log under artifacts/realtime (npm run mm:realtime writes one)</p>'));
  const runs = r.mmRuns();
  if (runs.length) {
    const m = r.json(join(a, `${runs[0]}_metrics.json`));
    if (m.ok) {
      const p = obj(m.value.pnl);
      const parts: [string, number][] = [['spread capture', num(p.spread_capture_usd)], ['inventory P&L', num(p.inventory_pnl_usd)], ['fees', -num(p.fees_usd)], ['funding', -num(p.funding_usd)], ['liquidation', -num(p.liquidation_cost_usd)], ['net', num(p.net_pnl_usd)]];
      out.push(kpis([{ label: 'net P&L (USD)', value: fmtNum(p.net_pnl_usd, 2), tone: num(p.net_pnl_usd) > 0 ? 'good' : 'bad' }, { label: 'fills', value: fmtNum(obj(m.value.fills).total) }, { label: 'fill rate', value: fmtPct(obj(m.value.fills).fill_rate) }, { label: 'Sharpe (daily, ann.)', value: fmtNum(obj(m.value.performance).sharpe_annualized_daily, 2) }, { label: 'max |inventory| lots', value: fmtNum(obj(m.value.inventory).max_abs_lots, 2) }]));
      out.push(card(`P&L decomposition (backtest ${runs[0]})`, chart(barChart(parts.map((x) => x[0]), [{ name: 'USD', values: parts.map((x) => x[1]) }]), { height: 240 })
        + dl([['model', m.value.model], ['bars', m.value.bars], ['period', `${m.value.from_utc} → ${m.value.to_utc}`], ['fill rule', m.value.fill_rule], ['params', m.value.params], ['not modelled', arr(m.value.not_modelled).join('; ')]])));
    } else out.push(errorCard('P&L decomposition', m.error, m.file));
    const rr = r.json(join(a, `${runs[0]}_risk_report.json`));
    out.push(rr.ok ? card('Risk report', dl(Object.entries(rr.value).map(([k2, v]) => [k2, v]))) : errorCard('Risk report', rr.error, rr.file));
    out.push(card('Backtest runs', table([{ key: 'run' }, { key: 'net_pnl_usd', num: true }, { key: 'fills', num: true }], runs.map((id) => {
      const mm = r.json(join(a, `${id}_metrics.json`));
      return mm.ok ? { run: id, net_pnl_usd: num(obj(mm.value.pnl).net_pnl_usd), fills: num(obj(mm.value.fills).total) } : { run: `${id} (unreadable: ${mm.error})` };
    }), { interactive: true })));
  } else out.push(card('Backtests', '<p class="muted">no artifacts/*_metrics.json (npm run mm:backtest writes them)</p>'));
  const an = r.mmAnalyses();
  if (an.length) {
    const j = r.json(join(a, 'last_month_analysis', `${an[0]}_analysis.json`));
    if (j.ok) {
      const rd = obj(j.value.readiness);
      const verdict = rd.ready_for_live_keys === true;
      out.push(card(`Readiness (analysis ${an[0]})`, `<p class="verdict ${verdict ? 'good' : 'bad'}">ready_for_live_keys: <strong>${verdict}</strong></p>`
        + table([{ key: 'name' }, { key: 'value' }, { key: 'threshold' }, { key: 'pass' }], arr(rd.gates).map(obj).map((g) => ({ ...g, value: typeof g.value === 'number' ? fmtNum(g.value, 3) : String(g.value), pass: g.pass ? 'pass' : 'FAIL' })))));
    } else out.push(errorCard('Readiness', j.error, j.file));
    const sw = r.csv(join(a, 'last_month_analysis', `${an[0]}_sweep.csv`));
    out.push(sw.ok ? card('Parameter sweep', table(columnsOf(sw.value), csvObjects(sw.value), { interactive: true }), { wide: true }) : errorCard('Parameter sweep', sw.error, sw.file));
  }
  return layout({ title: 'Market making', active: '/mm', body: `<div class="grid">${out.join('')}</div>` });
}

// ----------------------------------------------------------------------------------------------------- Experiments
export function experimentsPage(exps: ExperimentsView, selected?: string): string {
  const ex = exps.open();
  if (!ex.ok) return layout({ title: 'Experiments', active: '/experiments', body: errorCard('Experiment store', ex.error, ex.file) });
  const out: string[] = [];
  out.push(card(`Specs (${ex.specs.length})`, table([{ key: 'id', html: true }, { key: 'status' }, { key: 'hypothesis' }, { key: 'created_at' }, { key: 'updated_at' }],
    ex.specs.map((s) => ({ id: link(`/experiments?id=${encodeURIComponent(String(s.id))}`, String(s.id)), status: s.status, hypothesis: s.hypothesis ?? s.description ?? '', created_at: s.created_at, updated_at: s.updated_at })),
    { interactive: true, empty: 'no experiment in the store' }), { wide: true }));
  const id = selected ?? (ex.specs[0]?.id as string | undefined);
  if (id !== undefined) {
    const spec = ex.specs.find((s) => s.id === id);
    if (spec) out.push(card(`Spec ${id}`, pre(JSON.stringify(redact(spec), null, 2)), { wide: true }));
    const evs = ex.events.filter((e) => e.experiment_id === id);
    out.push(card(`Lifecycle history of ${id}`, table([{ key: 'event_id', num: true }, { key: 'created_at' }, { key: 'type' }, { key: 'actor' }, { key: 'transition' }, { key: 'reason' }, { key: 'run_id' }],
      evs.filter((e) => e.type !== 'experiment_metric').map((e) => ({ ...e, transition: e.before_status || e.after_status ? `${e.before_status ?? '∅'} → ${e.after_status ?? '∅'}` : '' })), { interactive: true, empty: 'no event' }), { wide: true }));
    const metrics: Obj[] = evs.filter((e) => e.type === 'experiment_metric').map((e) => ({ ...obj(e.payload), run_id: e.run_id, created_at: e.created_at }));
    const regimeOf = (m: Obj) => String(m.regime ?? obj(m.slice).regime ?? (String(m.name).includes('@') ? String(m.name).split('@')[1] : 'all'));
    out.push(card('Metrics by regime', table([{ key: 'regime' }, { key: 'name' }, { key: 'value', num: true }, { key: 'unit' }, { key: 'n', num: true }, { key: 'status' }, { key: 'run_id' }, { key: 'created_at' }],
      metrics.map((m) => ({ ...m, regime: regimeOf(m) })), { interactive: true, empty: 'no experiment_metric event' }), { wide: true }));
    const runIds = [...new Set(metrics.map((m) => String(m.run_id)))];
    const names = [...new Set(metrics.map((m) => String(m.name)))];
    const cmp = names.map((n) => Object.fromEntries([['metric', n], ...runIds.map((rid) => {
      const hit = metrics.filter((m) => m.name === n && m.run_id === rid).pop();
      return [rid, hit ? num(hit.value) : NaN];
    })]));
    out.push(card('Run-to-run comparison', runIds.length >= 1 ? table([{ key: 'metric' }, ...runIds.map((rid) => ({ key: rid, num: true }))], cmp) : '<p class="muted">no run recorded a metric</p>', { wide: true }));
    const runs = ex.runs.filter((x) => x.experiment_id === id);
    out.push(card('Runs', table([{ key: 'run_id' }, { key: 'mode' }, { key: 'status' }, { key: 'started_at' }, { key: 'ended_at' }], runs, { empty: 'no run' })));
  }
  return layout({ title: 'Experiments', active: '/experiments', body: `<p class="muted">store: <code>${esc(ex.file)}</code> (opened read-only)</p><div class="grid">${out.join('')}</div>` });
}

// ------------------------------------------------------------------------------------------- Strategy lab / Tutor
const STRATEGIES: { name: string; defaults: Record<string, unknown>; example: string }[] = [
  { name: 'mean_reversion', defaults: MEAN_REVERSION_DEFAULTS, example: 'quantlab backtest --symbol BTC-USDT --strategy mean_reversion --params entry_z=2,window=1d --window P30D' },
  { name: 'momentum', defaults: MOMENTUM_DEFAULTS, example: 'quantlab backtest --symbol BTC-USDT --strategy momentum --params fast=4h,slow=1d --window P30D' },
  { name: 'pairs_trading', defaults: PAIRS_DEFAULTS, example: 'quantlab backtest --symbol BTC-USDT --strategy pairs_trading --params partner=ETH-USDT --window P30D' },
];

export function labPage(r: Readers, lesson?: string): string | undefined {
  const out: string[] = [];
  out.push(card('Strategies', table([{ key: 'strategy' }, { key: 'parameters (defaults)' }, { key: 'example', html: true }],
    STRATEGIES.map((s) => ({ strategy: s.name, 'parameters (defaults)': Object.entries(s.defaults).map(([k, v]) => `${k}=${v}`).join(', '), example: `<code>${esc(s.example)}</code>` }))), { wide: true }));
  const ids = r.lessonIds();
  out.push(card('Lessons', table([{ key: 'lesson', html: true }], ids.map((l) => ({ lesson: link(`/lab?lesson=${l}`, l) })), { empty: 'no lesson under runs/lessons (quantlab tutor --lesson NAME writes one)' })));
  const pick = lesson ?? ids[0];
  if (pick !== undefined) {
    const dir = r.lessonDir(pick);
    if (!dir) return lesson !== undefined ? undefined : layout({ title: 'Strategy lab / Tutor', active: '/lab', body: out.join('') });
    const md = r.text(join(dir, 'lesson.md'));
    out.push(md.ok ? card(`Lesson ${pick}: transcript`, pre(md.value, 'lesson'), { wide: true }) : errorCard(`Lesson ${pick}`, md.error, md.file));
    const nums = r.json(join(dir, 'numbers.json'));
    if (nums.ok) out.push(card('Numbers', dl(Object.entries(obj(nums.value.metrics)).map(([k, v]) => [k, typeof v === 'number' ? fmtNum(v, 4) : v]))));
    else out.push(errorCard('Numbers', nums.error, nums.file));
    const svg = r.text(join(dir, 'lesson.svg'));
    out.push(svg.ok ? card('Plot', `<img class="lesson-plot" alt="lesson plot" src="/lab/lessons/${esc(pick)}/lesson.svg">`, { wide: true }) : card('Plot', `<p class="muted">no lesson.svg (run the tutor with --plot)</p>`));
  }
  return layout({ title: 'Strategy lab / Tutor', active: '/lab', body: `<div class="grid">${out.join('')}</div>` });
}

// -------------------------------------------------------------------------------------------------------- Settings
export function settingsPage(r: Readers, resolved: Obj, configs: { name: string; value: Loaded<unknown> }[], env: Record<string, string | undefined>): string {
  const out: string[] = [];
  out.push(card('Dashboard', dl(Object.entries(resolved).map(([k, v]) => [k, v]))));
  const envRows = Object.keys(env).filter((k) => /^(QUANTLAB_|MODE$|PAPER_ONLY$|CCXT_|EXCHANGE_)/.test(k)).sort()
    .map((k) => ({ variable: k, value: redact(env[k], k) === '[redacted]' || /KEY|SECRET|TOKEN|PASS/i.test(k) ? (env[k] ? '<set> [redacted]' : '<empty>') : env[k] }));
  out.push(card('Environment', table([{ key: 'variable' }, { key: 'value' }], envRows, { empty: 'no QUANTLAB_*, MODE, PAPER_ONLY, CCXT_* or EXCHANGE_* variable set' })));
  for (const c of configs) {
    out.push(c.value.ok ? card(c.name, pre(JSON.stringify(redact(c.value.value), null, 2)), { wide: true }) : errorCard(c.name, c.value.error, c.value.file));
  }
  return layout({ title: 'Settings', active: '/settings', body: `<p class="muted">every secret-looking value is shown as [redacted]</p><div class="grid">${out.join('')}</div>` });
}

export function notFoundPage(path: string): string {
  return layout({ title: 'Not found', active: '', body: `<p>Nothing at <code>${esc(path)}</code>.</p>` });
}
