import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface ReportParams {
  timeframe: Timeframe;
  title: string;
  /** Render the HTML in headless Chromium and write report.png beside it (needs Chromium). */
  screenshot: 'auto' | 'always' | 'never';
  /** Fill in the stage timings table from the stage manifests (wall times: not reproducible run to run). */
  timings: boolean;
}

export const REPORT_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline timeframe' },
    title: { type: 'string', default: 'Strategy research report', description: 'report title' },
    screenshot: {
      enum: ['auto', 'always', 'never'], default: 'never',
      description: 'also write report.png rendered by headless Chromium: always (error without Chromium), auto (when found), never',
    },
    timings: {
      type: 'boolean', default: true,
      description: 'fill in the stage timings (wall time, rows, rows/s per stage from state/stages); the golden batch turns them off because wall times differ from run to run',
    },
  },
} as const;
