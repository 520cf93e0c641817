/**
 * Loading ExperimentSpecs (YAML or JSON; YAML 1.2 reads JSON, so both give file:line:col errors) and the learning
 * book configuration, then applying the rules of rules.ts. Every problem of a file is reported at once in one
 * SpecError (exit 3).
 */
import { readFile } from 'node:fs/promises';
import { SpecError } from '../errors.js';
import { loadSpecFile, validateSpecValue } from '../spec/loader.js';
import { parseLocated, type LocatedYaml } from '../spec/located.js';
import { ruleIssues } from './rules.js';
import { experimentSchema, learningBookSchema, type ExperimentSpec, type LearningBookConfig } from './schema.js';

export type LearningBook = LearningBookConfig & { source: string };

/** The learning book configuration; `file` is read and shown in messages. */
export async function loadLearningBook(file: string): Promise<LearningBook> {
  const value = await loadSpecFile<LearningBookConfig>(file, learningBookSchema);
  return { ...value, source: file };
}

/** Parses, validates and checks the rules of one spec text; `display` is the file name shown in messages. */
export function parseExperimentText(text: string, display: string, book: LearningBook): { spec: ExperimentSpec; yaml: LocatedYaml } {
  const { value, yaml } = parseLocated<ExperimentSpec>(text, display, experimentSchema);
  const issues = ruleIssues(value, book, yaml);
  if (issues.length > 0) throw new SpecError(issues, { hint: `fix ${display} at the positions shown and rerun` });
  return { spec: value, yaml };
}

export async function loadExperimentFile(file: string, book: LearningBook): Promise<ExperimentSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError([`${file}: cannot read experiment spec (${(err as NodeJS.ErrnoException).code ?? err})`], {
      hint: 'check the path; example specs live under experiments/',
    });
  }
  return parseExperimentText(text, file, book).spec;
}

/** Validates an in-memory spec (e.g. read back from the store); issues name `source` and the path. */
export function validateExperimentValue(value: unknown, source: string, book: LearningBook): ExperimentSpec {
  const spec = validateSpecValue<ExperimentSpec>(value, source, experimentSchema);
  const issues = ruleIssues(spec, book, undefined, source);
  if (issues.length > 0) throw new SpecError(issues, { hint: `fix ${source} and retry` });
  return spec;
}
