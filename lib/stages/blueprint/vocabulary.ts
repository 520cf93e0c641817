/**
 * What a blueprint may name, as the lake provides it: the feature columns and instruments of lake/features (its
 * _features.json) and the events of spec/events. The blueprint stage validates what it compiles against these, the
 * walk-forward stage what it reads.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEventSpecs } from '../../events/index.js';
import { FEATURES_INFO_FILE } from '../features/files.js';

export interface LakeVocabulary {
  features: ReadonlySet<string>;
  events: ReadonlySet<string>;
  /** Instrument ids `exchange/market/symbol` with features, sorted. */
  instruments: string[];
}

export async function readLakeVocabulary(featuresDir: string, specDir: string): Promise<LakeVocabulary> {
  const info = JSON.parse(await readFile(join(featuresDir, FEATURES_INFO_FILE), 'utf8')) as {
    features: { name: string }[]; instruments: { id: string }[];
  };
  const features = new Set(info.features.map((f) => f.name));
  const events = new Set((await loadEventSpecs(join(specDir, 'events'), features)).events.map((e) => e.name));
  return { features, events, instruments: info.instruments.map((x) => x.id) };
}
