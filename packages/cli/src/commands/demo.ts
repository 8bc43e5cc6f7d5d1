/**
 * `mlops demo drift` (what `pnpm demo:drift` runs): a narrated loop on a running stack.
 * `--scenario covariate` (default): drifted traffic -> drift check -> retraining -> new model served.
 * `--scenario concept`: same listings, moved prices -> feedback -> realized-performance alert ->
 * retraining on the feedback -> new model served, compared with the old one on fresh listings.
 */
import { Command, Option } from 'commander';
import { InvalidArgumentError, loadConfig } from '@mlops/core';
import { processIo, type CommandIo } from '../command-io.js';
import { runConceptDriftDemo } from '../concept-drift-demo.js';
import { runDriftDemo } from '../drift-demo.js';
import { integerAtLeast } from '../option-parsers.js';

/** The demo's scenarios. */
export const DEMO_SCENARIOS = ['covariate', 'concept'] as const;
export type DemoScenario = (typeof DEMO_SCENARIOS)[number];

export function demoCommand(io: CommandIo = processIo): Command {
  const demo = new Command('demo').description(
    'demonstrations on a running stack (start it with pnpm start)',
  );
  demo
    .command('drift')
    .description(
      'send drifted traffic (covariate: a new listing mix; concept: moved prices, with their sold-price ' +
        'feedback), trigger a monitoring check and follow retraining until the new model is served',
    )
    .addOption(
      new Option('--scenario <name>', 'covariate (new listing mix) or concept (moved prices, feedback)')
        .choices(DEMO_SCENARIOS)
        .default('covariate'),
    )
    .option(
      '--rows <n>',
      'covariate: listings per drift scenario (default 400); concept: listings sent and sold (default 10000)',
      integerAtLeast(1),
    )
    .option(
      '--eval-rows <n>',
      'concept: fresh listings the old and new version are compared on (default 2000)',
      integerAtLeast(1),
    )
    .option('--seed <n>', 'seed of the generated listings (default: a new one each run)', integerAtLeast(0))
    .action(async (flags: { scenario: DemoScenario; rows?: number; evalRows?: number; seed?: number }) => {
      const config = loadConfig();
      const say = (line: string) => io.stdout.write(`${line}\n`);
      const seed = flags.seed === undefined ? {} : { seed: flags.seed };
      if (flags.scenario === 'covariate') {
        if (flags.evalRows !== undefined)
          throw new InvalidArgumentError('--eval-rows applies to --scenario concept only');
        const result = await runDriftDemo({
          config,
          say,
          rowsPerScenario: flags.rows ?? 400,
          ...seed,
        });
        if (result.secondsToNewModel === null) process.exitCode = 1;
        return;
      }
      const result = await runConceptDriftDemo({
        config,
        say,
        ...(flags.rows === undefined ? {} : { rows: flags.rows }),
        ...(flags.evalRows === undefined ? {} : { evaluationRows: flags.evalRows }),
        ...seed,
      });
      // The loop closed only if the new version is served and more accurate on the new prices.
      const e = result.evaluation;
      if (result.secondsToNewModel === null || e === null || e.servedAccuracy <= e.previousAccuracy)
        process.exitCode = 1;
    });
  return demo;
}
