import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root: two levels above dist/lib/stage. A module of its own so that the orchestrator can name stage
 * executables without loading the stage runtime (yargs, ajv, the spec loader): a no-op rerun loads none of them.
 */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
