/**
 * Slow or stalled clients: a client that sends its headers and half a body,
 * then goes quiet, must be disconnected instead of holding a socket forever.
 * Uses raw TCP sockets against the real server on loopback, with short
 * timeouts so the test runs in seconds.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS } from '../src/app.js';
import { tempRegistry, type TempRegistry } from './temp-registry.js';

let registry: TempRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function listen(app: TempRegistry): Promise<number> {
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  return (app.app.server.address() as { port: number }).port;
}

/** Opens a socket, sends the headers and half of a 1000-byte JSON body, then stalls; resolves when the server hangs up. */
function stallMidBody(port: number): { socket: Socket; closed: Promise<{ ms: number; reply: string }> } {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  let reply = '';
  socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    socket.write(
      'POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n' +
        `{"name":"${'x'.repeat(490)}`,
    );
  });
  const closed = new Promise<{ ms: number; reply: string }>((resolve) =>
    socket.on('close', () => resolve({ ms: Date.now() - started, reply })),
  );
  return { socket, closed };
}

describe('request timeouts', () => {
  it('sets header, body, idle and keep-alive timeouts by default', async () => {
    registry = await tempRegistry();
    await listen(registry);
    const server = registry.app.server;
    expect(server.requestTimeout).toBe(DEFAULT_TIMEOUTS.requestMs);
    expect(server.headersTimeout).toBe(DEFAULT_TIMEOUTS.headersMs);
    expect(server.timeout).toBe(DEFAULT_TIMEOUTS.idleMs);
    expect(server.keepAliveTimeout).toBe(DEFAULT_TIMEOUTS.keepAliveMs);
    for (const ms of Object.values(DEFAULT_TIMEOUTS)) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(300_000);
    }
  });

  it('drops 50 clients that stall mid-body, and keeps serving others meanwhile', async () => {
    registry = await tempRegistry({ timeouts: { idleMs: 600, requestMs: 5_000, headersMs: 2_000 } });
    const port = await listen(registry);
    const stalled = Array.from({ length: 50 }, () => stallMidBody(port));
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const results = await Promise.race([
      Promise.all(stalled.map((s) => s.closed)),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('stalled clients still connected after 4 s')), 4_000),
      ),
    ]);
    for (const { ms } of results) expect(ms).toBeGreaterThanOrEqual(500);
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(4_000);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('drops a client that trickles a body slower than the whole-request limit allows', async () => {
    registry = await tempRegistry({ timeouts: { idleMs: 5_000, requestMs: 1_000, headersMs: 1_000 } });
    const port = await listen(registry);
    const { socket, closed } = stallMidBody(port);
    // One byte every 200 ms keeps the socket from going idle, but not the request from expiring.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    try {
      const { ms, reply } = await closed;
      expect(ms).toBeLessThan(4_000);
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(trickle);
    }
  });
});
