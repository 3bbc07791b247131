/**
 * The HTTP edge of the simulation: the real Fastify app (`buildServer`: every route, auth,
 * idempotency, errors), built ONCE per test process, in front of whichever incarnation a request
 * was sent to. Building the app costs 40–170 ms (Fastify registers ~120 routes), more than a whole
 * seed; so the app is built over forwarders, and each request runs inside an AsyncLocalStorage
 * context naming its incarnation: every engine, service and store call of that request, and of
 * every continuation of it, reaches that incarnation's objects — after a crash, its dead store.
 * (Fastify's inject does not carry the caller's async context into the request, so the request
 * names its incarnation in a header and a preHandler hook — before any route code — enters it.)
 *
 * What lives in the edge across incarnations is what `createApp` keeps in memory: the API-key and
 * account caches of the Authenticator (facts that never change in a run) and the router. Everything
 * below the edge — engine, services, store adapter, reader devices, dispatcher — is per incarnation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { InjectOptions } from 'fastify';
import type { Engine, Services, Store } from '@opentill/engine';
import { buildServer, type App } from '@opentill/server';
import type { Incarnation } from './world.js';

const current = new AsyncLocalStorage<Incarnation>();

function incarnation(): Incarnation {
  const found = current.getStore();
  if (!found) throw new Error('simulation edge: a call outside any request (nothing may run at build time)');
  return found;
}

/** An object whose every property is read, at access time, from `pick(the request's incarnation)`. */
function forwarder<T extends object>(
  pick: (incarnation: Incarnation) => object,
  fixed: Record<string, unknown> = {},
): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      if (typeof property === 'string' && property in fixed) return fixed[property];
      const target = pick(incarnation());
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

let built: Promise<App> | null = null;
const commitListeners = new Set<Parameters<Engine['onCommit']>[0]>();

/** Gives a new incarnation's engine the commit listeners the edge subscribed when it was built. */
export function attachEdge(engine: Engine): void {
  for (const listener of commitListeners) engine.onCommit(listener);
}
/** Requests in flight → the incarnation each was sent to. */
const targets = new Map<string, Incarnation>();
const processHeader = 'x-opentill-simulation-request';
let requestCount = 0;
let injected = 0;

/** Request ids restart with each run, so a seed's answers never depend on the seeds run before it. */
export function restartRequestIds(): void {
  requestCount = 0;
}

function edge(): Promise<App> {
  return (built ??= build());
}

async function build(): Promise<App> {
  const store = forwarder<Store>((of) => of.store);
  // Commit listeners subscribed while the app is built (the dashboard's change feed) are kept
  // here and attached to each incarnation's engine as it starts (`attachEdge`).
  const onCommit: Engine['onCommit'] = (listener) => {
    commitListeners.add(listener);
    return () => commitListeners.delete(listener);
  };
  const engine = forwarder<Engine>((of) => of.services.engine, { store, onCommit });
  const services = new Proxy({} as Services, {
    get: (_target, property) => {
      if (property === 'engine') return engine;
      return forwarder((of) => of.services[property as keyof Services]);
    },
  });
  const app = buildServer({ engine, services, requestIds: () => `req_sim${(requestCount += 1).toString(36)}` });
  app.fastify.addHook('preHandler', (request, _reply, done) => {
    const target = targets.get(String(request.headers[processHeader]));
    if (target) current.enterWith(target);
    done();
  });
  // Ready before the first request: requests queued behind Fastify's boot would run outside their context.
  await app.fastify.ready();
  return app;
}

/** Sends one request to `target`, in-process. */
export async function inject(target: Incarnation, options: InjectOptions & { headers: Record<string, string> }) {
  const app = await edge();
  const token = String((injected += 1));
  targets.set(token, target);
  // A request its process died under never finishes: forget it then, or the dead process stays reachable.
  void target.died.then(() => targets.delete(token));
  try {
    return await app.fastify.inject({ ...options, headers: { ...options.headers, [processHeader]: token } });
  } finally {
    targets.delete(token);
  }
}
