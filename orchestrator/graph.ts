import { UsageError, QuantError } from '../lib/errors.js';

/** A node of the stage graph: a stage with its resolved parameters' declared inputs and outputs. */
export interface GraphNode {
  name: string;
  inputs: string[];
  outputs: readonly string[];
}

export interface StageGraph {
  /** Topological order (stable: registry order among independent stages). */
  order: string[];
  deps: Map<string, Set<string>>;
  dependents: Map<string, Set<string>>;
}

const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

/**
 * Derive the graph from declared inputs and outputs. Every problem is reported at once before anything runs:
 * two stages owning the same (or nested) output, an input nobody produces, and cycles.
 */
export function buildGraph(nodes: readonly GraphNode[]): StageGraph {
  const problems: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      for (const a of nodes[i]!.outputs) for (const b of nodes[j]!.outputs) {
        if (overlaps(a, b)) problems.push(`duplicate output: ${nodes[i]!.name} writes ${a} and ${nodes[j]!.name} writes ${b}`);
      }
    }
  }
  const deps = new Map<string, Set<string>>(nodes.map((n) => [n.name, new Set<string>()]));
  const dependents = new Map<string, Set<string>>(nodes.map((n) => [n.name, new Set<string>()]));
  for (const n of nodes) {
    for (const input of n.inputs) {
      const producers = nodes.filter((p) => p.outputs.some((o) => input === o || input.startsWith(`${o}/`)));
      if (producers.length === 0) problems.push(`${n.name} reads ${input}, which no stage writes`);
      for (const p of producers) {
        if (p.name === n.name) problems.push(`cycle: ${n.name} reads its own output ${input}`);
        else {
          deps.get(n.name)!.add(p.name);
          dependents.get(p.name)!.add(n.name);
        }
      }
    }
  }
  const order = topoSort(nodes.map((n) => n.name), deps, problems);
  if (problems.length) throw new QuantError(`invalid stage graph:\n  ${problems.join('\n  ')}`);
  return { order, deps, dependents };
}

function topoSort(names: string[], deps: Map<string, Set<string>>, problems: string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, path: string[]): void => {
    const s = state.get(n);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(n)), n];
      problems.push(`cycle: ${cycle.join(' -> ')}`);
      return;
    }
    state.set(n, 'visiting');
    for (const d of [...deps.get(n)!].sort((a, b) => names.indexOf(a) - names.indexOf(b))) visit(d, [...path, n]);
    state.set(n, 'done');
    order.push(n);
  };
  for (const n of names) visit(n, []);
  return order;
}

/** Stages selected by --only / --from / --until (names validated against the graph). */
export function selectStages(
  graph: StageGraph,
  sel: { only?: string[]; from?: string; until?: string },
): Set<string> {
  const known = new Set(graph.order);
  const check = (n: string) => {
    if (!known.has(n)) throw new UsageError(`Unknown stage "${n}". Available: ${graph.order.join(', ')}`);
  };
  if (sel.only?.length) {
    sel.only.forEach(check);
    return new Set(sel.only);
  }
  let chosen = new Set(graph.order);
  if (sel.from) {
    check(sel.from);
    chosen = closure(sel.from, graph.dependents);
  }
  if (sel.until) {
    check(sel.until);
    const up = closure(sel.until, graph.deps);
    chosen = new Set([...chosen].filter((n) => up.has(n)));
  }
  return chosen;
}

function closure(start: string, edges: Map<string, Set<string>>): Set<string> {
  const out = new Set<string>([start]);
  const stack = [start];
  while (stack.length) for (const n of edges.get(stack.pop()!) ?? []) if (!out.has(n)) (out.add(n), stack.push(n));
  return out;
}
