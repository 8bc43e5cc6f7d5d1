/**
 * The `mlops` command line. Each command lives in its own file under
 * src/commands/ and exports a factory returning its commander Command;
 * COMMANDS below lists them, one line each.
 *
 * Exit codes: 0 success; 1 the command failed (bad data file, bad model
 * bundle, bad configuration, anything unexpected); 2 wrong usage (unknown
 * command or flag, bad flag value). A failure is one line on stderr, never a
 * stack trace (set DEBUG=1 to get one).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { InvalidArgumentError, MlopsError } from '@mlops/core';
import { processIo, type CommandIo } from './command-io.js';

/** Every top-level command: a new command is one line here. */
const COMMANDS: readonly ((io: CommandIo) => Promise<Command>)[] = [
  async (io) => (await import('./commands/data-generate.js')).dataCommand(io),
  async (io) => (await import('./commands/train.js')).trainCommand(io),
  async (io) => (await import('./commands/evaluate.js')).evaluateCommand(io),
  async (io) => (await import('./commands/predict.js')).predictCommand(io),
  async (io) => (await import('./commands/monitor.js')).monitorCommand(io),
  async (io) => (await import('./commands/start.js')).startCommand(io),
  async () => (await import('./commands/services.js')).registryCommand(),
  async () => (await import('./commands/services.js')).apiCommand(),
  async () => (await import('./commands/services.js')).workerCommand(),
  async (io) => (await import('./commands/services.js')).temporalCommand(io),
  async (io) => (await import('./commands/demo.js')).demoCommand(io),
];

/** The whole program with every command registered. */
export async function buildProgram(io: CommandIo = processIo): Promise<Command> {
  const program = new Command('mlops')
    .description('housing price MLOps stack: data, training, serving, monitoring')
    .version('0.1.0')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const command of await Promise.all(COMMANDS.map((make) => make(io)))) program.addCommand(command);
  // Throw instead of exiting, so usage errors can end with code 2; added commands
  // do not inherit this setting, hence the walk.
  const override = (command: Command) => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

/**
 * Runs the CLI on `argv` (node-style: [node, script, ...args]) and returns the
 * exit code; errors are reported on `io.stderr`.
 */
export async function runCli(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  try {
    const program = await buildProgram(io);
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}

/** One line on stderr for a failure, and its exit code. */
function reportFailure(error: unknown, io: CommandIo): number {
  if (error instanceof CommanderError) {
    // commander already printed its message; help and version are not failures.
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) return 0;
    return 2;
  }
  const debug = Boolean(process.env.DEBUG);
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof MlopsError) {
    io.stderr.write(`mlops: error: ${message}\n`);
  } else {
    io.stderr.write(
      `mlops: unexpected error: ${message}${debug ? '' : ' (set DEBUG=1 for the stack trace)'}\n`,
    );
  }
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return error instanceof InvalidArgumentError ? 2 : 1;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  // Exit now rather than when the event loop drains: fetch keeps idle keep-alive sockets open for
  // as long as the server allows (72 s for Fastify), which would hold a finished command that long.
  process.exit(await runCli(process.argv));
}
