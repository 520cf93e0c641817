/**
 * `node dist/orchestrator/digest_cli.js [--costs spec/costs.yaml] [--compare other.yaml] [--json]`
 * Prints the cost digest of a costs file; with --compare, whether it is at least as costly as the other file in
 * every component and which components differ. Exit 0 ok, 2 usage, 3 invalid spec.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { compareCosts, formatComparison } from '../lib/costs/compare.js';
import { loadCosts } from '../lib/costs/digest.js';
import { ExitCode, QuantError, UsageError, exitCodeOf } from '../lib/errors.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

interface Args {
  costs: string;
  compare: string | undefined;
  json: boolean;
}

async function parseArgs(argv: readonly string[], io: CliIo): Promise<Args | 'help'> {
  let helpShown = false;
  const parsed = await yargs()
    .scriptName('digest')
    .usage('$0 [--costs FILE] [--compare OTHER]\n\nPrints the cost digest (SHA-256 of the resolved cost config).')
    .option('costs', {
      type: 'string',
      default: 'spec/costs.yaml',
      requiresArg: true,
      describe: 'costs file to digest (A)',
    })
    .option('compare', {
      type: 'string',
      requiresArg: true,
      describe: 'other costs file (B): is A at least as costly as B?',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of text' })
    .strict()
    .version(false)
    .help()
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg, err) => {
      throw new UsageError(msg ?? err?.message ?? 'invalid arguments', { hint: 'run with --help for usage' });
    })
    .parseAsync([...argv], {}, (_err, _argv, output) => {
      if (output) {
        helpShown = true;
        io.out(output);
      }
    });
  if (helpShown) return 'help';
  if (parsed._.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(String(parsed._[0]))}`, {
      hint: 'pass files with --costs and --compare',
    });
  }
  return { costs: parsed.costs, compare: parsed.compare, json: parsed.json };
}

/** Runs the CLI and returns the exit code; all output goes through `io`. */
export async function runDigestCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = await parseArgs(argv, io);
    if (args === 'help') return ExitCode.ok;
    const a = await loadCosts(args.costs);
    const b = args.compare === undefined ? undefined : await loadCosts(args.compare);
    const comparison = b === undefined ? undefined : compareCosts(a.config, b.config);
    if (args.json) {
      const other = b === undefined ? {} : { compare: { file: args.compare, digest: b.digest, ...comparison } };
      io.out(JSON.stringify({ file: args.costs, digest: a.digest, ...other }, null, 2));
    } else {
      io.out(a.digest);
      if (b !== undefined && comparison !== undefined) {
        io.out(`A ${args.costs} ${a.digest}`);
        io.out(`B ${args.compare} ${b.digest}`);
        for (const line of formatComparison(comparison)) io.out(line);
      }
    }
    return ExitCode.ok;
  } catch (err) {
    io.err(err instanceof QuantError ? err.describe() : String((err as Error)?.stack ?? err));
    return exitCodeOf(err);
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const code = await runDigestCli(hideBin(process.argv), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = code;
}
