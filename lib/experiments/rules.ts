/**
 * The rules of an ExperimentSpec that JSON Schema cannot say, each violation a located issue
 * (`file:line:col path: message, was VALUE`): exactly one stop kind; scope consistent with max_hold_minutes
 * (micro <= 60, meso 60..720, macro >= 720); max_notional_usd within the learning book's daily budget; metric names
 * and units from the catalog; pass_threshold shaped for its direction; no metric twice. Pure.
 */
import { formatValue } from '../errors.js';
import type { LocatedYaml } from '../spec/located.js';
import { where } from '../spec/located.js';
import { closestName } from '../text.js';
import { METRIC_CATALOG, METRIC_NAMES } from './catalog.js';
import type { ExperimentSpec, LearningBookConfig, Scope } from './schema.js';

/** Hold bounds of each scope, in minutes (inclusive). */
export const SCOPE_HOLD_MINUTES: Readonly<Record<Scope, { min: number; max: number }>> = {
  micro: { min: 1, max: 60 },
  meso: { min: 60, max: 720 },
  macro: { min: 720, max: Number.POSITIVE_INFINITY },
};

interface Issue {
  at: (string | number)[];
  text: string;
}

/** Every rule violation of `spec`, located in `yaml` (or `source path: message` when there is no YAML). */
export function ruleIssues(spec: ExperimentSpec, book: LearningBookConfig & { source: string }, yaml?: LocatedYaml, source = '(spec)'): string[] {
  const issues: Issue[] = [];
  const e = spec.exposure;

  const hasPct = e.stop_distance_pct !== undefined;
  const hasAtr = e.stop_distance_atr !== undefined;
  if (hasPct && hasAtr) {
    issues.push({
      at: ['exposure', 'stop_distance_atr'],
      text: `exposure: exactly one of stop_distance_pct / stop_distance_atr must be set, both are (stop_distance_pct ${e.stop_distance_pct}, stop_distance_atr ${e.stop_distance_atr})`,
    });
  } else if (!hasPct && !hasAtr) {
    issues.push({ at: ['exposure'], text: 'exposure: exactly one of stop_distance_pct / stop_distance_atr must be set, neither is' });
  }

  const bounds = SCOPE_HOLD_MINUTES[e.scope];
  if (e.max_hold_minutes < bounds.min || e.max_hold_minutes > bounds.max) {
    const need = e.scope === 'micro' ? 'max_hold_minutes <= 60' : e.scope === 'meso' ? '60 <= max_hold_minutes <= 720' : 'max_hold_minutes >= 720';
    issues.push({
      at: ['exposure', 'max_hold_minutes'],
      text: `exposure.max_hold_minutes: scope "${e.scope}" needs ${need}, was ${e.max_hold_minutes}`,
    });
  }

  if (e.max_notional_usd > book.daily_budget_usd) {
    issues.push({
      at: ['exposure', 'max_notional_usd'],
      text: `exposure.max_notional_usd: exceeds the learning book's daily budget of ${book.daily_budget_usd} USD (${book.source}), was ${e.max_notional_usd}`,
    });
  }

  const seen = new Map<string, number>();
  spec.metrics.forEach((m, i) => {
    const entry = METRIC_CATALOG[m.name];
    if (entry === undefined) {
      const guess = closestName(m.name, METRIC_NAMES);
      issues.push({
        at: ['metrics', i, 'name'],
        text: `metrics[${i}].name: unknown metric ${formatValue(m.name)} (${guess ? `did you mean "${guess}"? ` : ''}catalog: ${METRIC_NAMES.join(', ')})`,
      });
    } else if (entry.unit !== m.unit) {
      issues.push({
        at: ['metrics', i, 'unit'],
        text: `metrics[${i}].unit: metric "${m.name}" is measured in "${entry.unit}", was ${formatValue(m.unit)}`,
      });
    }
    const t = m.pass_threshold;
    if (m.direction === 'band') {
      if (!Array.isArray(t)) {
        issues.push({ at: ['metrics', i, 'pass_threshold'], text: `metrics[${i}].pass_threshold: direction "band" needs [low, high], was ${formatValue(t)}` });
      } else if (t[0] > t[1]) {
        issues.push({ at: ['metrics', i, 'pass_threshold'], text: `metrics[${i}].pass_threshold: band [low, high] needs low <= high, was ${formatValue(t)}` });
      }
    } else if (Array.isArray(t)) {
      issues.push({ at: ['metrics', i, 'pass_threshold'], text: `metrics[${i}].pass_threshold: direction "${m.direction}" needs a number, was ${formatValue(t)}` });
    }
    const key = `${m.name}\u0000${m.aggregation}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ at: ['metrics', i], text: `metrics[${i}]: same name and aggregation as metrics[${first}] ("${m.name}", ${m.aggregation})` });
    } else {
      seen.set(key, i);
    }
  });

  return issues
    .map((issue) => ({ issue, pos: yaml ? where(yaml, issue.at) : undefined }))
    .sort((a, b) => (a.pos && b.pos ? a.pos.line - b.pos.line || a.pos.col - b.pos.col : 0))
    .map(({ issue, pos }) => (pos ? `${pos.text} ${issue.text}` : `${source} ${issue.text}`));
}
