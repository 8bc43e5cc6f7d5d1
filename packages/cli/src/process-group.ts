import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const COLOURS = [36, 35, 33, 32, 34, 91, 96] as const;

export interface ChildSpec {
  /** Short name shown before every line of the child's output. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or the signal name) when the child ends. */
  exited: Promise<number | string>;
}

/**
 * Children started together and stopped together: each child's output is
 * prefixed with its coloured name, and stopAll() ends them in reverse start
 * order (SIGTERM, then SIGKILL after a grace period).
 */
export class ProcessGroup {
  private readonly children: ManagedChild[] = [];
  private stopping = false;
  private readonly width: number;

  constructor(
    private readonly output: NodeJS.WritableStream = process.stdout,
    private readonly colour = (output as NodeJS.WriteStream).isTTY === true,
    names: string[] = [],
  ) {
    this.width = Math.max(8, ...names.map((n) => n.length));
  }

  /** Called when a child ends while the group is not stopping. */
  onUnexpectedExit: (child: ManagedChild, code: number | string) => void = () => {};

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Writes one line with the given name as prefix. */
  log(name: string, line: string, index = this.children.length): void {
    const label = name.padEnd(this.width);
    const prefix = this.colour ? `\u001b[${COLOURS[index % COLOURS.length]}m${label}\u001b[0m` : label;
    this.output.write(`${prefix} | ${line}\n`);
  }

  start(spec: ChildSpec): ManagedChild {
    const index = this.children.length;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.log(spec.name, line, index));
    }
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => {
        this.log(spec.name, `could not start: ${error.message}`, index);
        resolve(1);
      });
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 1));
    });
    const managed: ManagedChild = { name: spec.name, process: child, exited };
    void exited.then((code) => {
      if (!this.stopping) this.onUnexpectedExit(managed, code);
    });
    this.children.push(managed);
    return managed;
  }

  /** Stops every child, newest first; each gets `graceMs` to exit after SIGTERM. */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const child of [...this.children].reverse()) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) continue;
      child.process.kill('SIGTERM');
      const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    }
  }

  /** Process ids of the children still running. */
  runningPids(): number[] {
    return this.children
      .filter(
        (c) => c.process.exitCode === null && c.process.signalCode === null && c.process.pid !== undefined,
      )
      .map((c) => c.process.pid!);
  }
}
