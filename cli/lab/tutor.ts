/** `quantlab tutor`: narrated lessons (lib/lab/tutor.ts). */
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lib/errors.js';
import { GLOSSARY, LESSONS, checkLesson, tutorLesson } from '../../lib/lab/tutor.js';
import { labArgs, labDeps, labOptions, type Flags } from './backtest.js';
import { labLogger, reportError } from './common.js';
import { chromiumPngRenderer } from './png.js';

type TutorFlags = Flags & { list: boolean; lesson?: string; plot: boolean; png: boolean; 'explain-math': boolean };

export const tutorModule: CommandModule<object, TutorFlags> = {
  command: 'tutor',
  describe: 'narrated lessons on the lab strategies, computed from a real backtest',
  builder: (y: Argv) => labOptions(y
    .usage(`quantlab tutor --list
quantlab tutor --lesson mean_reversion|momentum|pairs_trading [--plot] [--explain-math] [--symbol DEMO --allow-synthetic] [--window P30D]

Runs the lesson's strategy (a backtest, the same engine) and writes runs/lessons/<lesson>/lesson.md (signal logic,
the first trade's entry and exit with the values that decided them, risk framing, with --explain-math the formulas
with the run's numbers, a glossary), numbers.json and with --plot lesson.svg and lesson.png (rendered by chromium; skipped with a message without it). Dates default to --window P30D.`))
    .option('symbol', { type: 'string', default: 'DEMO', requiresArg: true, describe: 'BASE-QUOTE in the lake, or DEMO with --allow-synthetic' })
    .option('strategy', { type: 'string', default: '', hidden: true })
    .option('list', { type: 'boolean', default: false, describe: 'list the lessons' })
    .option('lesson', { type: 'string', requiresArg: true, describe: 'mean_reversion | momentum | pairs_trading' })
    .option('plot', { type: 'boolean', default: false, describe: 'also write lesson.svg and lesson.png (PNG: chromium headless via playwright-core; skipped with a message without chromium)' })
    .option('png', { type: 'boolean', default: true, describe: 'with --plot: also render lesson.png (--no-png: SVG only)' })
    .option('explain-math', { type: 'boolean', default: false, describe: 'the formulas with the run\'s numbers' }) as unknown as Argv<TutorFlags>,
  handler: async (f) => {
    const log = labLogger('tutor');
    try {
      if (f.list) {
        for (const [k, v] of Object.entries(LESSONS)) process.stdout.write(`${k.padEnd(16)} ${v.title}\n`);
        process.stdout.write(`glossary: ${Object.keys(GLOSSARY).join(', ')}\n`);
        return;
      }
      if (f.lesson === undefined) throw new UsageError('name a lesson with --lesson, or --list', { hint: `lessons: ${Object.keys(LESSONS).join(', ')}` });
      const lesson = checkLesson(f.lesson);
      const a = labArgs({ ...f, strategy: lesson });
      if (a.start === undefined && a.end === undefined && a.window === undefined) a.window = 'P30D';
      const out = await tutorLesson(lesson, a, await labDeps(f, log, 'tutor'), { plot: f.plot, explainMath: f['explain-math'], ...(f.plot && f.png ? { renderPng: chromiumPngRenderer() } : {}) });
      process.stdout.write(`${out.dir}\n${out.files.join(' ')}\n${out.png && !out.png.written ? `lesson.png skipped: ${out.png.note}\n` : ''}`);
    } catch (err) {
      reportError(log, err);
    }
  },
};
