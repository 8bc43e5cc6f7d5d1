/**
 * The ceiling of the API benchmark: a plain Fastify server whose POST /predict parses the same JSON
 * body and answers a constant, with no validation, model, metrics or production log. Started by
 * api.bench.ts as a child process; listens on 127.0.0.1:$PORT and prints `listening` when ready.
 */
import { createRequire } from 'node:module';

// fastify is a dependency of the api package, not of the repository root.
const require = createRequire(new URL('../packages/api/package.json', import.meta.url));
interface HelloApp {
  post(path: string, handler: () => Promise<unknown>): void;
  get(path: string, handler: () => Promise<unknown>): void;
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}
const fastify = require('fastify') as (options: { logger: boolean }) => HelloApp;

const app = fastify({ logger: false });
const answer = { price_category: 'medium', probabilities: { low: 0.2, medium: 0.5, high: 0.3 } };
app.post('/predict', async () => answer);
app.get('/ready', async () => ({ status: 'ready' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write('listening\n');
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
