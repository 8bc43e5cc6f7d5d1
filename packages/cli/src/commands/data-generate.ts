/**
 * `mlops data generate --rows N --seed S --out FILE [--drift SCENARIO] [--json]`:
 * writes seeded synthetic listings in the portal's raw CSV form (core's
 * generator). Prints one summary line, or with --json one JSON object.
 */
import { Command, Option } from 'commander';
import {
  SYNTHETIC_DRIFT_SCENARIOS,
  writeSyntheticListings,
  type SyntheticDrift,
} from '@mlops/core/synthetic';
import { processIo, writeJson, type CommandIo } from '../command-io.js';
import { integerAtLeast } from '../option-parsers.js';

interface GenerateFlags {
  rows: number;
  seed: number;
  out: string;
  drift?: SyntheticDrift;
  json?: boolean;
}

/** The `data` command group (`data generate`). */
export function dataCommand(io: CommandIo = processIo): Command {
  const generate = new Command('generate')
    .description('write synthetic listings in the raw portal CSV form')
    .requiredOption('--rows <n>', 'number of listings', integerAtLeast(0))
    .option('--seed <s>', 'seed; the same seed gives the same file', integerAtLeast(0), 42)
    .requiredOption('--out <file>', 'CSV file to write (folders are created)')
    .addOption(
      new Option('--drift <scenario>', 'drifted traffic instead of the reference distribution').choices(
        SYNTHETIC_DRIFT_SCENARIOS,
      ),
    )
    .option('--json', 'print one JSON object instead of a summary line')
    .action(async (flags: GenerateFlags) => {
      const started = performance.now();
      const file = await writeSyntheticListings(flags.out, {
        rows: flags.rows,
        seed: flags.seed,
        drift: flags.drift ?? null,
      });
      const seconds = (performance.now() - started) / 1000;
      if (flags.json) {
        writeJson(io, {
          path: file.path,
          rows: file.rows,
          seed: file.seed,
          drift: file.drift,
          label_counts: file.labelCounts,
          seconds,
        });
      } else {
        const counts = Object.entries(file.labelCounts)
          .map(([label, n]) => `${label} ${n}`)
          .join(', ');
        io.stdout.write(
          `wrote ${file.rows} listings to ${file.path} (seed ${file.seed}${file.drift ? `, drift ${file.drift}` : ''}; ${counts})\n`,
        );
      }
    });
  return new Command('data').description('data files: generate synthetic listings').addCommand(generate);
}
