import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@mlops/core';
import { EXAMPLE_LISTING } from '@mlops/core/listing';
import { DEFAULT_REQUEST_TIMEOUTS } from '../src/request-timeouts.js';
import { startApi, type RunningApi } from '../src/server.js';
import { trainedBundle } from './trained-bundles.js';
import { servingModel } from './serving-model.js';

/** A raw connection and how it ended: what the server wrote before closing, and when. */
interface StalledClient {
  socket: Socket;
  closed: Promise<{ received: string; afterMs: number }>;
}

const body = JSON.stringify(EXAMPLE_LISTING);

/** Opens a socket to `port`, writes `text` (and nothing more), and records what comes back. */
function stall(port: number, text: string): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      resolve({ socket, closed });
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => {});
    const closed = new Promise<{ received: string; afterMs: number }>((done) =>
      socket.on('close', () => done({ received, afterMs: Date.now() - started })),
    );
    socket.once('error', reject);
  });
}

/** Headers announcing the full example body, followed by only its first half. */
const halfBody = `POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, body.length / 2)}`;
/** Half of a header block: the end of the headers never comes. */
const halfHeaders = 'POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl';

async function servingApi(timeouts?: Parameters<typeof startApi>[0]['timeouts']): Promise<RunningApi> {
  const { models: modelSource } = await servingModel(await trainedBundle(), '1');
  return startApi({
    config: loadConfig({}),
    logger: createLogger({ name: 'api-test', level: 'silent' }),
    modelSource,
    productionLog: null,
    host: '127.0.0.1',
    port: 0,
    timeouts,
  });
}

describe('prediction API with stalled clients', () => {
  let api: RunningApi | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await api?.close();
    api = undefined;
  });

  it('sets Node’s header and request timeouts by default (Fastify turns the request timeout off)', async () => {
    api = await servingApi();
    expect(api.app.server.headersTimeout).toBe(DEFAULT_REQUEST_TIMEOUTS.headersMs);
    expect(api.app.server.requestTimeout).toBe(DEFAULT_REQUEST_TIMEOUTS.requestMs);
    expect(api.app.server.keepAliveTimeout).toBe(DEFAULT_REQUEST_TIMEOUTS.keepAliveMs);
  });

  it('drops 50 clients that stall mid-body or mid-headers, while answering everyone else', async () => {
    api = await servingApi({ headersMs: 1_000, requestMs: 2_000, checkIntervalMs: 200 });
    const port = Number(new URL(api.url).port);
    const stalled: StalledClient[] = [];
    for (let i = 0; i < 50; i++) stalled.push(await stall(port, i % 5 === 0 ? halfHeaders : halfBody));
    sockets.push(...stalled.map((client) => client.socket));

    // While they hang, normal requests are answered at once, and a slow but steady client gets through.
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      const response = await fetch(`${api.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    const slow = await stall(port, halfBody);
    sockets.push(slow.socket);
    await new Promise((resolve) => setTimeout(resolve, 500));
    slow.socket.write(body.slice(body.length / 2));
    const slowAnswer = await new Promise<string>((resolve) => {
      let text = '';
      slow.socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('price_category')) resolve(text);
      });
    });
    expect(slowAnswer).toMatch(/^HTTP\/1\.1 200 /);

    const ends = await Promise.all(stalled.map((client) => client.closed));
    for (const end of ends) {
      expect(end.afterMs).toBeLessThan(4_000);
      // Node answers 408 where the client can still read, then closes.
      if (end.received !== '') expect(end.received).toMatch(/^HTTP\/1\.1 408 /);
    }
    expect(ends.filter((end) => end.received.startsWith('HTTP/1.1 408')).length).toBeGreaterThan(0);

    // The server is still healthy afterwards.
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  }, 30_000);
});
