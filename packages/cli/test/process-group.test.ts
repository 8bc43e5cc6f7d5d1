import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessGroup } from '../src/process-group.js';
import { RestartBackoff } from '../src/restart-backoff.js';

const idle = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };

function processGroupOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces, so split after ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ProcessGroup', () => {
  let group: ProcessGroup | undefined;
  afterEach(async () => {
    await group?.stopAll(1000);
  });

  it('runs each child in a process group of its own, out of reach of a terminal Ctrl-C', () => {
    group = new ProcessGroup(new PassThrough());
    const child = group.start({ name: 'one', ...idle });
    expect(processGroupOf(child.process.pid!)).toBe(child.process.pid);
    expect(processGroupOf(child.process.pid!)).not.toBe(processGroupOf(process.pid));
  });

  it('restarts a killed child with a growing delay while the others keep running', async () => {
    group = new ProcessGroup(new PassThrough(), false, [], () => new RestartBackoff(100, 400, 60_000));
    const lines: string[] = [];
    const exits: string[] = [];
    group.onUnexpectedExit = (child, code) => exits.push(`${child.name} ${code}`);
    const first = group.start({ name: 'first', ...idle });
    const second = group.start({ name: 'second', ...idle });
    group.superviseRestarts((line) => lines.push(line));

    second.process.kill('SIGKILL');
    await until(() => lines.some((l) => l.startsWith('second restarted')));
    const [, secondAgain] = group.runningPids();
    expect(secondAgain).not.toBe(second.process.pid);
    process.kill(secondAgain!, 'SIGKILL');
    await until(() => lines.some((l) => l.includes('restart 2')));

    expect(lines).toEqual([
      'second exited unexpectedly (SIGKILL); restarting it in 0.1 s, the other services keep running',
      expect.stringMatching(/^second restarted \(pid \d+, restart 1\)$/),
      'second exited unexpectedly (SIGKILL); restarting it in 0.2 s, the other services keep running',
      expect.stringMatching(/^second restarted \(pid \d+, restart 2\)$/),
    ]);
    expect(exits).toEqual(['second SIGKILL', 'second SIGKILL']);
    expect(first.process.exitCode).toBeNull();
    expect(group.runningPids()).toHaveLength(2);
    expect(group.runningPids()[0]).toBe(first.process.pid);
    expect(group.restartCounts()).toEqual({ first: 0, second: 2 });

    await group.stopAll(1000);
    expect(group.runningPids()).toEqual([]);
  });

  it('does not restart during or after stopAll, which can be called twice', async () => {
    group = new ProcessGroup(new PassThrough(), false, [], () => new RestartBackoff(10, 10, 60_000));
    const lines: string[] = [];
    group.start({ name: 'one', ...idle });
    group.superviseRestarts((line) => lines.push(line));
    await Promise.all([group.stopAll(1000), group.stopAll(1000)]);
    await new Promise((r) => setTimeout(r, 100));
    expect(group.runningPids()).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('kills with SIGKILL a child that ignores SIGTERM past the grace period', async () => {
    group = new ProcessGroup(new PassThrough());
    const stubborn = group.start({
      name: 'stubborn',
      command: process.execPath,
      args: ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
    });
    await new Promise((resolve) => stubborn.process.stdout!.once('data', resolve));
    await group.stopAll(300);
    expect(await stubborn.exited).toBe('SIGKILL');
  });
});
