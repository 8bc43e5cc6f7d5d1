#!/usr/bin/env node
// The `mlops` command: runs the TypeScript CLI (src/main.ts) through tsx's
// loader in this same process, so there is no build step and no child process.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
// Exit at once: idle keep-alive sockets of fetch would otherwise hold a finished command (see main.ts).
process.exit(await runCli(process.argv));
