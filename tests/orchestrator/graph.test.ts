import { describe, expect, test } from '@jest/globals';
import { buildGraph, selectStages, type GraphNode } from '../../orchestrator/graph.js';
import { findStage } from '../../orchestrator/registry_types.js';
import { REGISTRY } from '../../orchestrator/registry.js';
import { QuantError, UsageError, ExitCode } from '../../lib/errors.js';

const node = (name: string, inputs: string[], outputs: string[]): GraphNode => ({ name, inputs, outputs });

/** ingest -> clean -> features -> events, plus `costs` (independent) and `report` reading features and costs. */
const PIPELINE: GraphNode[] = [
  node('ingest', [], ['lake/raw']),
  node('clean', ['lake/raw'], ['lake/cleaned', 'reports/quality']),
  node('features', ['lake/cleaned'], ['lake/features']),
  node('costs', [], ['lake/costs']),
  node('events', ['lake/features/market=um'], ['lake/events']),
  node('report', ['lake/events', 'lake/costs'], ['reports/final']),
];

function graphError(nodes: GraphNode[]): QuantError {
  try {
    buildGraph(nodes);
  } catch (e) {
    return e as QuantError;
  }
  throw new Error('expected buildGraph to throw');
}

describe('stage graph derived from declared inputs and outputs', () => {
  test('a stage depends on the stage whose output it reads, also when it reads inside that output', () => {
    const g = buildGraph(PIPELINE);
    expect([...g.deps.get('clean')!]).toEqual(['ingest']);
    expect([...g.deps.get('events')!]).toEqual(['features']); // reads lake/features/market=um, inside lake/features
    expect([...g.deps.get('report')!].sort()).toEqual(['costs', 'events']);
    expect([...g.dependents.get('features')!]).toEqual(['events']);
    expect(g.deps.get('ingest')!.size).toBe(0);
  });

  test('the order puts every stage after its dependencies and keeps registry order among independent stages', () => {
    const g = buildGraph(PIPELINE);
    expect(g.order).toEqual(['ingest', 'clean', 'features', 'costs', 'events', 'report']);
    // Registry order listing downstream stages first still yields a valid topological order.
    const reversed = buildGraph([...PIPELINE].reverse());
    const pos = (n: string) => reversed.order.indexOf(n);
    for (const [n, deps] of reversed.deps) for (const d of deps) expect(pos(d)).toBeLessThan(pos(n));
    // Depth-first from the first registered stage (report), dependencies visited in registry order.
    expect(reversed.order).toEqual(['ingest', 'clean', 'features', 'events', 'costs', 'report']);
  });

  test('the real registry forms a valid graph: clean reads what ingest writes', () => {
    const g = buildGraph(REGISTRY.map((r) => ({ name: r.def.name, inputs: r.def.inputs({ timeframe: '5m' }), outputs: r.def.outputs })));
    expect(g.order.indexOf('ingest')).toBeLessThan(g.order.indexOf('clean'));
    expect([...g.deps.get('clean')!]).toContain('ingest');
  });

  test('two stages writing the same output are rejected before anything runs', () => {
    const e = graphError([node('a', [], ['lake/x']), node('b', [], ['lake/x'])]);
    expect(e).toBeInstanceOf(QuantError);
    expect(e.message).toContain('duplicate output: a writes lake/x and b writes lake/x');
  });

  test('nested outputs of two stages count as duplicates in either direction', () => {
    const e1 = graphError([node('a', [], ['lake/x']), node('b', [], ['lake/x/sub'])]);
    expect(e1.message).toContain('duplicate output: a writes lake/x and b writes lake/x/sub');
    const e2 = graphError([node('a', [], ['lake/x/sub']), node('b', [], ['lake/x'])]);
    expect(e2.message).toContain('duplicate output: a writes lake/x/sub and b writes lake/x');
  });

  test('outputs that merely share a name prefix are not duplicates', () => {
    // lake/raw and lake/raw_v2 are different directories: only path segments nest.
    expect(() => buildGraph([node('a', [], ['lake/raw']), node('b', [], ['lake/raw_v2'])])).not.toThrow();
    const g = buildGraph([node('a', [], ['lake/raw']), node('b', [], ['lake/raw_v2']), node('c', ['lake/raw_v2'], ['out/c'])]);
    expect([...g.deps.get('c')!]).toEqual(['b']);
  });

  test('an input nobody writes is rejected, naming the stage and the path', () => {
    const e = graphError([node('features', ['lake/cleaned'], ['lake/features'])]);
    expect(e.message).toContain('features reads lake/cleaned, which no stage writes');
  });

  test('a cycle between stages is rejected with the cycle spelled out', () => {
    const e = graphError([node('a', ['out/b'], ['out/a']), node('b', ['out/a'], ['out/b'])]);
    expect(e.message).toMatch(/cycle: (a -> b -> a|b -> a -> b)/);
  });

  test('a stage reading its own output is a cycle', () => {
    const e = graphError([node('a', ['out/a/part'], ['out/a'])]);
    expect(e.message).toContain('cycle: a reads its own output out/a/part');
  });

  test('all problems are reported at once in one error', () => {
    const e = graphError([
      node('a', [], ['lake/x']),
      node('b', [], ['lake/x/y']), // duplicate (nested)
      node('c', ['lake/nobody'], ['out/c']), // missing producer
      node('d', ['out/e'], ['out/d']), // d <-> e cycle
      node('e', ['out/d'], ['out/e']),
    ]);
    const lines = e.message.split('\n').slice(1).map((l) => l.trim());
    expect(e.message.split('\n')[0]).toBe('invalid stage graph:');
    expect(lines).toEqual([
      'duplicate output: a writes lake/x and b writes lake/x/y',
      'c reads lake/nobody, which no stage writes',
      'cycle: d -> e -> d',
    ]);
  });
});

describe('stage selection: --only, --from, --until', () => {
  const g = buildGraph(PIPELINE);
  const sel = (s: Parameters<typeof selectStages>[1]) => [...selectStages(g, s)].sort();

  test('no selection selects every stage', () => {
    expect(sel({})).toEqual([...g.order].sort());
  });

  test('--only selects exactly the named stages, not their dependencies', () => {
    expect(sel({ only: ['features', 'report'] })).toEqual(['features', 'report']);
  });

  test('--from selects the stage and everything downstream of it', () => {
    expect(sel({ from: 'features' })).toEqual(['events', 'features', 'report']);
    expect(sel({ from: 'costs' })).toEqual(['costs', 'report']);
  });

  test('--until selects the stage and everything upstream of it', () => {
    expect(sel({ until: 'features' })).toEqual(['clean', 'features', 'ingest']);
    expect(sel({ until: 'report' })).toEqual([...g.order].sort());
  });

  test('--from and --until together select the path between them', () => {
    expect(sel({ from: 'clean', until: 'events' })).toEqual(['clean', 'events', 'features']);
    expect(sel({ from: 'costs', until: 'events' })).toEqual([]); // costs is not upstream of events
  });

  test('an unknown stage name is a usage error listing the available stages', () => {
    for (const s of [{ only: ['features', 'featurs'] }, { from: 'featurs' }, { until: 'featurs' }]) {
      let err: unknown;
      try {
        selectStages(g, s);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(ExitCode.usage);
      expect((err as UsageError).message).toBe('Unknown stage "featurs". Available: ingest, clean, features, costs, events, report');
    }
  });

  test('the registry lookup names the real stages when a name is wrong', () => {
    expect(() => findStage(REGISTRY, 'featurs')).toThrow(`Unknown stage "featurs". Available: ${REGISTRY.map((r) => r.def.name).join(', ')}`);
    expect(findStage(REGISTRY, 'clean').def.name).toBe('clean');
  });
});
