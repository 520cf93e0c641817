/**
 * Worker thread: build bars.csv (lib/lab/paper/csv_rows.ts barsCsv) and write it atomically, so that an offline
 * replay's half a million rows are formatted while the main thread runs the paper loop (session.ts writeBarsAside).
 * workerData: { file, columns }; posts 'done' or throws (the main thread rejects with the error).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeFileAtomic } from '../../fsx.js';
import { barsCsv, type BarsColumns } from './csv_rows.js';

const { file, columns } = workerData as { file: string; columns: BarsColumns };
await writeFileAtomic(file, barsCsv(columns));
parentPort!.postMessage('done');
