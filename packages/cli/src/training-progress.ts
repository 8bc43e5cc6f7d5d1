/**
 * Progress of a training (forest trees, then boosting rounds) on stderr: a cli-progress bar when stderr is a
 * terminal, nothing otherwise (logs and CI output stay clean; the command
 * prints a summary line when training ends).
 */
import { Presets, SingleBar } from 'cli-progress';
import { isTerminal, type CommandIo } from './command-io.js';

export interface TrainingProgress {
  /** Work done out of total, in `unit`s (trees, boosting rounds). */
  update(done: number, total: number, unit?: string): void;
  /** Removes the bar (call before writing anything else). */
  stop(): void;
}

export function createTrainingProgress(io: CommandIo, label = 'training'): TrainingProgress {
  if (!isTerminal(io.stderr)) return { update() {}, stop() {} };
  const bar = new SingleBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: `${label} |{bar}| {value}/{total} {unit} | {duration}s`,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, unit = 'trees') {
      if (!started) {
        bar.start(total, done, { unit });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { unit });
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
