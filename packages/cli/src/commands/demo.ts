/** `mlops demo drift` (what `pnpm demo:drift` runs): the narrated drift -> retraining loop on a running stack. */
import { Command } from 'commander';
import { loadConfig } from '@mlops/core';
import { processIo, type CommandIo } from '../command-io.js';
import { runDriftDemo } from '../drift-demo.js';
import { integerAtLeast } from '../option-parsers.js';

export function demoCommand(io: CommandIo = processIo): Command {
  const demo = new Command('demo').description(
    'demonstrations on a running stack (start it with pnpm start)',
  );
  demo
    .command('drift')
    .description(
      'send drifted traffic, trigger a drift check and follow retraining until the new model is served',
    )
    .option('--rows <n>', 'listings per drift scenario', '400')
    .option('--seed <n>', 'seed of the drifted listings (default: a new one each run)', integerAtLeast(0))
    .action(async (flags: { rows: string; seed?: number }) => {
      const rows = Number(flags.rows);
      if (!Number.isInteger(rows) || rows <= 0)
        throw new Error(`--rows must be a positive integer, got "${flags.rows}"`);
      const result = await runDriftDemo({
        config: loadConfig(),
        say: (line) => io.stdout.write(`${line}\n`),
        rowsPerScenario: rows,
        ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      });
      if (result.secondsToNewModel === null) process.exitCode = 1;
    });
  return demo;
}
