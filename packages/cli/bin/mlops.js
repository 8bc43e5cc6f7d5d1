#!/usr/bin/env node
// The `mlops` command: runs the TypeScript CLI (src/main.ts) through tsx's
// loader in this same process, so there is no build step and no child process.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
process.exitCode = await runCli(process.argv);
