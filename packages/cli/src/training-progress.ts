/**
 * Progress of a forest training on stderr: a cli-progress bar when stderr is a
 * terminal, nothing otherwise (logs and CI output stay clean; the command
 * prints a summary line when training ends).
 */
import { Presets, SingleBar } from 'cli-progress';
import { isTerminal, type CommandIo } from './command-io.js';

export interface TrainingProgress {
  /** Trees done out of total. */
  update(done: number, total: number): void;
  /** Removes the bar (call before writing anything else). */
  stop(): void;
}

export function createTrainingProgress(io: CommandIo, label = 'training'): TrainingProgress {
  if (!isTerminal(io.stderr)) return { update() {}, stop() {} };
  const bar = new SingleBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: `${label} |{bar}| {value}/{total} trees | {duration}s`,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
