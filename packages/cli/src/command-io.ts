/**
 * Where a command writes. Commands take these streams instead of using
 * process.stdout/stderr directly, so tests can capture them; the rule they
 * follow: results on stdout (with --json exactly one JSON object), everything
 * else (progress, notes, errors) on stderr.
 */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
}

/** The process's own streams. */
export const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr };

/** True when the stream is an interactive terminal (progress bars only go there). */
export function isTerminal(stream: CommandIo['stderr']): boolean {
  return (stream as NodeJS.WriteStream).isTTY === true;
}

/** Writes one JSON object and a newline: the whole stdout of a `--json` run. */
export function writeJson(io: CommandIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}
