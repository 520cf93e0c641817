/**
 * The dashboard server (fastify): read-only pages over what every system wrote, under the configured roots.
 *
 * Safety: files are opened read-only (files.ts); a name from a URL becomes a path only through a pattern check and
 * resolveInside (lib/paths.ts), so `..`, `%2e%2e`, absolute paths and symlinks leading out of a root answer 404;
 * every answer carries a Content-Security-Policy (scripts only from this origin: the pages have no inline script);
 * no configuration value that looks like a secret is rendered (readers.ts redact), and requests are not logged with
 * their headers. A page whose data is missing or corrupt renders an error on the card concerned; an unexpected
 * exception in a page is a 500 page, never a crash.
 */
import { createReadStream, existsSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import YAML from 'yaml';
import { costDigest } from '../costs/digest.js';
import { costsSchema, type CostConfig } from '../costs/schema.js';
import { parseSpecText } from '../spec/loader.js';
import { ExperimentStore } from '../experiments/store.js';
import type { Logger } from '../log.js';
import { CLIENT_JS, CSS } from './assets.js';
import { resolveUnder, tailLines, type Loaded } from './files.js';
import { backtestPage, backtestsPage, eventRow, experimentsPage, labPage, livePage, mmPage, notFoundPage, overviewPage, regimePage, researchPage, sessionPage, sessionTiles, settingsPage, type ExperimentsView } from './pages.js';
import { isObj, Readers, type Obj, type Roots } from './readers.js';
import { layout, esc } from './html.js';

export interface DashboardOptions extends Roots {
  host: string;
  port: number;
  log: Logger;
  /** How often the live stream looks at state.jsonl besides fs.watch (ms); default 250. */
  pollMs?: number;
}

/** Pages: scripts and styles from this origin only, no plugin, no framing, no form target, no outbound fetch. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The static strategy report is one offline file with its script inlined: allowed inline, still no network. */
export const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.md': 'text/plain; charset=utf-8', '.log': 'text/plain; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8', '.png': 'image/png',
};

/** The ECharts build served at /assets/echarts.min.js (from node_modules, no CDN). */
export function echartsPath(): string {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('echarts/package.json')), 'dist', 'echarts.min.js');
}

function experimentsView(dataDir: string): ExperimentsView {
  return {
    open() {
      const file = join(dataDir, 'experiments', 'experiments.sqlite');
      if (!existsSync(file)) return { ok: false, file, error: 'no experiment store (quantlab experiment create writes it)' };
      try {
        const store = ExperimentStore.openReadOnly(dataDir);
        try {
          const specs = store.list() as unknown as Obj[];
          const events = store.events() as unknown as Obj[];
          const runs = specs.flatMap((s) => store.runs(String(s.id)) as unknown as Obj[]);
          return { ok: true, specs, events, runs, file };
        } finally {
          store.close();
        }
      } catch (e) {
        return { ok: false, file, error: `cannot read the store read-only: ${(e as Error).message}` };
      }
    },
  };
}

/** The project's configs shown on the settings page (parsed YAML, cached by mtime; redacted when rendered). */
function configs(readers: Readers, root: string): { name: string; value: Loaded<unknown> }[] {
  const files = ['spec/pipeline.yaml', 'spec/costs.yaml', 'spec/plan.yaml', 'spec/gates.yaml', 'spec/blueprints.yaml', 'experiments/learning_book.yaml'];
  const resolved = { name: 'spec/costs.yaml resolved (validated, defaults filled) and its digest', value: readers.cache.load(join(root, 'spec/costs.yaml'), 'costs-resolved', (t, f) => {
    const config = parseSpecText<CostConfig>(t, f, costsSchema);
    return { digest: costDigest(config), config } as unknown;
  }) };
  return [resolved, ...files.map((f) => ({ name: f, value: readers.cache.load(join(root, f), 'yaml', (t) => YAML.parse(t) as unknown) }))];
}

export function buildServer(o: DashboardOptions): { app: FastifyInstance; readers: Readers } {
  const readers = new Readers({ dataDir: o.dataDir, runsDir: o.runsDir, projectRoot: o.projectRoot });
  const exps = experimentsView(o.dataDir);
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 500 } });
  const echarts = echartsPath();
  const streams = new Set<() => void>();

  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.getHeader('content-security-policy')) reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cache-control', 'no-store');
    return payload;
  });

  const html = (reply: FastifyReply, body: string | undefined, path: string) => {
    if (body === undefined) return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(path));
    return reply.type('text/html; charset=utf-8').send(body);
  };

  app.setErrorHandler((err, req, reply) => {
    o.log.error({ path: req.routeOptions?.url ?? '?', err: (err as Error).message }, 'dashboard page failed');
    void reply.code(500).type('text/html; charset=utf-8').send(layout({ title: 'Error', active: '', body: `<div class="card-error">this page failed: ${esc((err as Error).message)}</div>` }));
  });
  app.setNotFoundHandler((req, reply) => html(reply, undefined, req.url));

  app.get('/assets/echarts.min.js', (_req, reply) => reply.type('application/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(createReadStream(echarts, { flags: 'r' })));
  app.get('/assets/dashboard.js', (_req, reply) => reply.type('application/javascript; charset=utf-8').send(CLIENT_JS));
  app.get('/assets/dashboard.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(CSS));
  app.get('/healthz', (_req, reply) => reply.send({ ok: true, cache_entries: readers.cache.size, cache_hits: readers.cache.hits, cache_misses: readers.cache.misses }));

  app.get('/', (req, reply) => html(reply, overviewPage(readers, exps), req.url));
  app.get('/research', (req, reply) => html(reply, researchPage(readers), req.url));
  // The offline single-file reports of the pipeline and of the monitor (their scripts inlined, no network).
  for (const [route, rel, what] of [['/report/strategy', 'reports/strategy/report.html', 'run the pipeline (npm run all)'], ['/report/monitor', 'reports/monitor/dashboard.html', 'run the monitor (npm run monitor)']] as const) {
    app.get(route, (req, reply) => {
      const f = resolveUnder(o.dataDir, rel);
      if (!f || !existsSync(f)) return html(reply, layout({ title: 'Report', active: '', body: `<div class="card-error">no ${rel}: ${what}</div>` }), req.url);
      return reply.header('content-security-policy', REPORT_CSP).type('text/html; charset=utf-8').send(createReadStream(f, { flags: 'r' }));
    });
  }
  app.get('/backtests', (req, reply) => html(reply, backtestsPage(readers), req.url));
  app.get<{ Params: { id: string } }>('/backtests/:id', (req, reply) => html(reply, backtestPage(readers, req.params.id), req.url));
  app.get('/live', (req, reply) => html(reply, livePage(readers), req.url));
  app.get<{ Params: { id: string } }>('/live/:id', (req, reply) => html(reply, sessionPage(readers, req.params.id), req.url));
  app.get<{ Params: { id: string } }>('/live/:id/status', (req, reply) => {
    const t = sessionTiles(readers, req.params.id);
    return t === undefined ? html(reply, undefined, req.url) : reply.type('text/html; charset=utf-8').send(t);
  });
  app.get('/regime', (req, reply) => html(reply, regimePage(readers), req.url));
  app.get('/mm', (req, reply) => html(reply, mmPage(readers), req.url));
  app.get<{ Querystring: { id?: string } }>('/experiments', (req, reply) => html(reply, experimentsPage(exps, typeof req.query.id === 'string' ? req.query.id : undefined), req.url));
  app.get<{ Querystring: { lesson?: string } }>('/lab', (req, reply) => html(reply, labPage(readers, typeof req.query.lesson === 'string' ? req.query.lesson : undefined), req.url));
  app.get<{ Params: { id: string } }>('/lab/lessons/:id/lesson.svg', (req, reply) => {
    const dir = readers.lessonDir(req.params.id);
    const f = dir && resolveUnder(dir, 'lesson.svg');
    if (!f || !existsSync(f)) return html(reply, undefined, req.url);
    return reply.type('image/svg+xml').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(readFileSync(f, { flag: 'r' }));
  });
  app.get('/settings', (req, reply) => html(reply, settingsPage(readers, { host: o.host, port: o.port, data_dir: o.dataDir, runs_dir: o.runsDir, project_root: o.projectRoot }, configs(readers, o.projectRoot), process.env), req.url));

  // Raw files of a run (what the pages link to), under the two roots only.
  const raw = (root: string) => (req: { url: string; params: unknown }, reply: FastifyReply) => {
    const rel = String((req.params as Record<string, string>)['*'] ?? '');
    const f = resolveUnder(root, rel);
    let ok = false;
    try {
      ok = f !== undefined && statSync(f).isFile();
    } catch { /* missing */ }
    if (!ok) return html(reply, undefined, req.url);
    const type = TYPES[extname(f!)] ?? 'application/octet-stream';
    if (type.startsWith('text/html') || type === 'image/svg+xml') reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
    return reply.type(type).send(createReadStream(f!, { flags: 'r' }));
  };
  app.get('/files/runs/*', raw(o.runsDir));
  app.get('/files/reports/*', raw(join(o.dataDir, 'reports')));

  // Server-sent events: the lines appended to a session's state.jsonl, within one poll (fs.watch, else pollMs).
  app.get<{ Params: { id: string } }>('/live/:id/events', (req, reply) => {
    const dir = readers.sessionDir(req.params.id);
    if (!dir) return html(reply, undefined, req.url);
    const file = join(dir, 'state.jsonl');
    let offset = 0;
    try {
      offset = statSync(file).size;
    } catch { /* not yet */ }
    let stateMtime = 0;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
    res.write(': stream of state.jsonl\nretry: 1000\n\n');
    let busy = false;
    const check = () => {
      if (busy) return;
      busy = true;
      try {
        let size = 0;
        try {
          size = statSync(file).size;
        } catch {
          return;
        }
        if (size < offset) offset = 0; // the session was republished (a new file): start over
        if (size > offset) {
          const t = tailLines(file, 10_000, { fromByte: offset });
          offset = t.size;
          const rows: Obj[] = [];
          for (const l of t.lines) {
            try {
              const v = JSON.parse(l) as unknown;
              rows.push(isObj(v) ? eventRow(v) : { type: 'unreadable', what: l.slice(0, 200) });
            } catch {
              rows.push({ type: 'unreadable', what: l.slice(0, 200) });
            }
          }
          if (rows.length) res.write(`event: lines\ndata: ${JSON.stringify({ rows })}\n\n`);
        }
        try {
          const m = statSync(join(dir, 'state.json')).mtimeMs;
          if (m !== stateMtime) {
            stateMtime = m;
            const s = readers.json(join(dir, 'state.json'));
            if (s.ok) res.write(`event: status\ndata: ${JSON.stringify({ state: s.value.state, equity: s.value.equity, tripped: s.value.tripped })}\n\n`);
          }
        } catch { /* no state.json */ }
      } finally {
        busy = false;
      }
    };
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dir, { persistent: false }, () => check());
    } catch { /* polling only */ }
    const poll = setInterval(check, o.pollMs ?? 250);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const stop = () => {
      clearInterval(poll);
      clearInterval(beat);
      watcher?.close();
      streams.delete(stop);
      if (!res.writableEnded) res.end();
    };
    streams.add(stop);
    req.raw.on('close', stop);
    check();
  });
  // Before the server closes (Ctrl-C): end the open event streams, else close would wait for them forever.
  app.addHook('preClose', async () => {
    for (const s of [...streams]) s();
  });
  return { app, readers };
}
