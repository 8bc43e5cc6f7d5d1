import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RestartBackoff } from './restart-backoff.js';

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

/** One supervised service: its command line, the run going on now and its restart delays. */
interface Slot {
  spec: ChildSpec;
  index: number;
  current: ManagedChild;
  startedAt: number;
  backoff: RestartBackoff;
  restarts: number;
  pendingRestart: NodeJS.Timeout | null;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
}

/**
 * Children started together and stopped together: each child's output is
 * prefixed with its coloured name, and stopAll() ends them in reverse start
 * order (SIGTERM, then SIGKILL after a grace period).
 *
 * Each child runs in a process group of its own, so a Ctrl-C in the terminal
 * (which signals the whole foreground group) reaches only the CLI, and every
 * child gets exactly one stop signal, from stopAll(), in a known order.
 *
 * Once superviseRestarts() is called, a child that ends while the group is
 * not stopping is started again after a RestartBackoff delay (1 s, doubling
 * to 30 s, reset after a minute up); the others keep running.
 */
export class ProcessGroup {
  private readonly slots: Slot[] = [];
  private stopping: Promise<void> | null = null;
  private report: ((line: string) => void) | null = null;
  private readonly width: number;

  constructor(
    private readonly output: NodeJS.WritableStream = process.stdout,
    private readonly colour = (output as NodeJS.WriteStream).isTTY === true,
    names: string[] = [],
    private readonly newBackoff: () => RestartBackoff = () => new RestartBackoff(),
  ) {
    this.width = Math.max(8, ...names.map((n) => n.length));
  }

  /** Called when a child ends while the group is not stopping (before any restart). */
  onUnexpectedExit: (child: ManagedChild, code: number | string) => void = () => {};

  get isStopping(): boolean {
    return this.stopping !== null;
  }

  /** Writes one line with the given name as prefix. */
  log(name: string, line: string, index = this.slots.length): void {
    const label = name.padEnd(this.width);
    const prefix = this.colour ? `\u001b[${COLOURS[index % COLOURS.length]}m${label}\u001b[0m` : label;
    this.output.write(`${prefix} | ${line}\n`);
  }

  start(spec: ChildSpec): ManagedChild {
    const index = this.slots.length;
    const slot: Slot = {
      spec,
      index,
      current: this.spawnChild(spec, index),
      startedAt: Date.now(),
      backoff: this.newBackoff(),
      restarts: 0,
      pendingRestart: null,
    };
    this.slots.push(slot);
    this.watch(slot);
    return slot.current;
  }

  /**
   * From now on, a child that ends unexpectedly is restarted (see the class comment); `report`
   * gets one line per crash and per restart.
   */
  superviseRestarts(report: (line: string) => void): void {
    this.report = report;
  }

  /** How many times each child has been restarted, by name. */
  restartCounts(): Record<string, number> {
    return Object.fromEntries(this.slots.map((slot) => [slot.spec.name, slot.restarts]));
  }

  /**
   * Stops every child, newest first; each gets `graceMs` to exit after SIGTERM, then SIGKILL.
   * Pending restarts are cancelled. Calling it again returns the same stop.
   */
  stopAll(graceMs = 15_000): Promise<void> {
    this.stopping ??= this.stopChildren(graceMs);
    return this.stopping;
  }

  /** Process ids of the children still running. */
  runningPids(): number[] {
    return this.slots
      .map((slot) => slot.current.process)
      .filter(isRunning)
      .map((child) => child.pid!);
  }

  private async stopChildren(graceMs: number): Promise<void> {
    for (const slot of this.slots) {
      if (slot.pendingRestart) clearTimeout(slot.pendingRestart);
      slot.pendingRestart = null;
    }
    for (const slot of [...this.slots].reverse()) {
      const child = slot.current;
      if (!isRunning(child.process)) continue;
      signalGroup(child.process, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child.process, 'SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    }
  }

  private spawnChild(spec: ChildSpec, index: number): ManagedChild {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
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
    return { name: spec.name, process: child, exited };
  }

  private watch(slot: Slot): void {
    const run = slot.current;
    void run.exited.then((code) => {
      if (this.stopping || slot.current !== run) return;
      this.onUnexpectedExit(run, code);
      const report = this.report;
      if (!report) return;
      const delay = slot.backoff.next(Date.now() - slot.startedAt);
      report(
        `${slot.spec.name} exited unexpectedly (${code}); restarting it in ${delay / 1000} s, the other services keep running`,
      );
      slot.pendingRestart = setTimeout(() => {
        slot.pendingRestart = null;
        if (this.stopping) return;
        slot.restarts += 1;
        slot.current = this.spawnChild(slot.spec, slot.index);
        slot.startedAt = Date.now();
        report(`${slot.spec.name} restarted (pid ${slot.current.process.pid}, restart ${slot.restarts})`);
        this.watch(slot);
      }, delay);
    });
  }
}

/** Signals the child's whole process group (it leads one, see ProcessGroup), or the child alone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}
