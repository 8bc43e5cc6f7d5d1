/**
 * Which methods a path accepts, for answering 405 Method Not Allowed with an
 * Allow header when a request hits an existing path with a method it lacks
 * (TRACE, a POST to a GET endpoint, ...). Fastify's router does not expose
 * that, so every route is mirrored into a second find-my-way router, with the
 * same path syntax, as it is added.
 */
import { METHODS } from 'node:http';
import type { FastifyInstance } from 'fastify';
import Router from 'find-my-way';

const noop = (): void => undefined;

export class RouteMethods {
  private readonly router = Router({ maxParamLength: Number.MAX_SAFE_INTEGER });
  private readonly methods = new Set<Router.HTTPMethod>();
  private readonly added = new Set<string>();

  /** Starts recording every route added to `app` (and its child plugins) from now on. */
  constructor(app: FastifyInstance) {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        this.add(method as Router.HTTPMethod, route.url ?? route.path);
        // Fastify answers HEAD for every GET route.
        if (method === 'GET') this.add('HEAD', route.url ?? route.path);
      }
    });
  }

  private add(method: Router.HTTPMethod, url: string): void {
    const key = `${method} ${url}`;
    if (this.added.has(key) || !METHODS.includes(method)) return;
    this.added.add(key);
    this.methods.add(method);
    this.router.on(method, url, noop);
  }

  /** The methods some route accepts at `path` (no query string), sorted; empty when no route has the path. */
  allowedAt(path: string): string[] {
    return [...this.methods].filter((method) => this.router.find(method, path) !== null).sort();
  }
}
