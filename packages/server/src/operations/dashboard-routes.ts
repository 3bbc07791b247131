/**
 * The dashboard's server side (issue 12; docs/dashboard.md):
 * - `GET /` → the built dashboard's index.html; `GET /opentill/dashboard/assets/*` → its files
 *   (@fastify/static; Vite `base: '/opentill/dashboard/'`). Not built: `GET /` says so.
 * - sign-in: `GET /opentill/dashboard/sign-in?token=…` (the one-time link `opentill serve`
 *   prints) and `POST /opentill/dashboard/session {secret_key}`; `GET` / `DELETE` of the session;
 *   `POST /opentill/dashboard/reveal_secret_key` (CSRF) when the server knows the key in clear.
 * - `GET /opentill/v1/dashboard/stream`: `{type, id}` change notices (SSE) for the live views.
 * Everything the dashboard reads or changes goes through the existing `/v1` and `/opentill/v1`
 * routes, authenticated by the session cookie (`http/auth.ts`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { ApiError, type StoredObject } from '@opentill/core';
import type { Engine } from '@opentill/engine';
import { parseParams, str, toWire } from '@opentill/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, DashboardOptions } from '../app.js';
import {
  clearedSessionCookieHeader,
  sessionCookieHeader,
  sessionCookieOf,
  type DashboardAuth,
} from './dashboard-auth.js';
import type { RequestLogRecorder } from './request-log.js';
import type { SseHub } from './sse.js';

export const dashboardPrefix = '/opentill/dashboard';

/** The page is self-contained (everything from this origin); nothing inline runs. */
const pageSecurityHeaders = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OpenTill</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>OpenTill is running</h1>
<p>The dashboard was not built. Run <code>npm run build</code> at the root of the repository (it builds
<code>apps/dashboard</code>), then restart <code>opentill serve</code>. The API answers under <code>/v1</code>.</p>
</body></html>`;

/** Change notices for the dashboard's live views. */
export type ChangeNotice = { type: 'payment' | 'reader' | 'event' | 'webhook_delivery' | 'request_log'; id: string };

export interface ChangeFeed {
  /** Notices of one account; returns the unsubscribe function. */
  subscribe(accountId: string, listener: (notice: ChangeNotice) => void): () => void;
  /** Reports a notice from outside the engine's commits (the webhook dispatcher's attempts). */
  publish(accountId: string, notice: ChangeNotice): void;
}

/** What a commit changed, as notices: PaymentIntents (also through their charges and refunds), readers, events. */
function noticesOf(changed: readonly StoredObject[], events: readonly StoredObject[]): ChangeNotice[] {
  const notices: ChangeNotice[] = [];
  for (const object of changed) {
    const type = object.object;
    if (type === 'payment_intent') notices.push({ type: 'payment', id: object.id });
    else if (type === 'charge' || type === 'refund') {
      const paymentIntent = object['payment_intent'];
      if (typeof paymentIntent === 'string') notices.push({ type: 'payment', id: paymentIntent });
    } else if (type === 'terminal.reader') notices.push({ type: 'reader', id: object.id });
  }
  for (const event of events) notices.push({ type: 'event', id: event.id });
  return notices;
}

export function changeFeed(engine: Engine, recorder: RequestLogRecorder | undefined): ChangeFeed {
  const listeners = new Map<string, Set<(notice: ChangeNotice) => void>>();
  const publish = (accountId: string, notice: ChangeNotice) => {
    for (const listener of listeners.get(accountId) ?? []) listener(notice);
  };
  engine.onCommit((accountId, events, changed) => {
    if (!listeners.has(accountId)) return;
    for (const notice of noticesOf(changed, events)) publish(accountId, notice);
  });
  recorder?.onEntry((entry) => publish(entry.accountId, { type: 'request_log', id: entry.id }));
  return {
    publish,
    subscribe(accountId, listener) {
      let set = listeners.get(accountId);
      if (!set) listeners.set(accountId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(accountId);
      };
    },
  };
}

export function registerDashboard(
  app: App,
  auth: DashboardAuth,
  options: DashboardOptions,
  feed: ChangeFeed,
  sse: SseHub,
): void {
  const { fastify } = app;
  const dir = options.dir !== null && existsSync(join(options.dir, 'index.html')) ? options.dir : null;
  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const json = (reply: FastifyReply, body: unknown, status = 200) =>
    reply.status(status).type('application/json').send(toWire(body));
  const sessionOf = async (request: FastifyRequest) => {
    const session = await auth.session(sessionCookieOf(request.headers.cookie));
    if (!session)
      throw new ApiError(
        'dashboard_session_invalid',
        'You are not signed in to the dashboard (or your session ended).',
      );
    return session;
  };

  if (dir !== null) {
    void fastify.register(fastifyStatic, {
      root: dir,
      prefix: `${dashboardPrefix}/`,
      index: false,
      wildcard: true,
      cacheControl: false,
      setHeaders: (res, path) => {
        // Vite names assets by content hash: they never change under one name.
        if (path.includes(`${join(dir, 'assets')}`))
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    });
  }
  fastify.get('/', async (_request, reply) => {
    void reply.headers(pageSecurityHeaders);
    if (dir === null) return reply.type('text/html; charset=utf-8').send(notBuiltPage);
    return reply.sendFile('index.html', dir);
  });

  fastify.get(`${dashboardPrefix}/sign-in`, async (request, reply) => {
    const token = new URL(request.url, 'http://localhost').searchParams.get('token') ?? '';
    const opened = await auth.signInWithToken(token);
    if (!opened) {
      return reply
        .status(401)
        .headers(pageSecurityHeaders)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><meta charset="utf-8"><title>OpenTill</title><p>This sign-in link is not valid: it was used already, ' +
            'has expired (links work once, for 10 minutes) or was mistyped. Restart <code>opentill serve</code> for a new link, ' +
            'or <a href="/">sign in with the secret key</a>.</p>',
        );
    }
    // 303 to `/`: the token leaves the address bar and the history entry.
    return reply
      .header('Set-Cookie', sessionCookieHeader(opened.cookie, secure(request)))
      .header('Referrer-Policy', 'no-referrer')
      .redirect('/', 303);
  });

  fastify.post(`${dashboardPrefix}/session`, async (request, reply) => {
    let body: unknown = {};
    try {
      body = request.rawBody && request.rawBody.length > 0 ? JSON.parse(request.rawBody.toString('utf8')) : {};
    } catch {
      throw new ApiError('invalid_request_body', 'Invalid JSON in the request body.');
    }
    const p = parseParams({ secret_key: str({ maxLength: 400 }).req() }, body);
    const opened = await auth.signInWithSecretKey(p.secret_key);
    if (!opened) throw new ApiError('api_key_invalid', "Invalid secret key: sign in with the account's sk_test_… key.");
    void reply.header('Set-Cookie', sessionCookieHeader(opened.cookie, secure(request)));
    return json(reply, { ok: true });
  });

  fastify.get(`${dashboardPrefix}/session`, async (request, reply) => {
    const session = await sessionOf(request);
    const keys = options.knownKeys(session.accountId);
    return json(reply, {
      account: session.accountId,
      publishable_key: keys?.publishableKey ?? null,
      secret_key_last4: keys?.secretKey?.slice(-4) ?? null,
      csrf_token: session.csrfToken,
    });
  });

  fastify.delete(`${dashboardPrefix}/session`, async (request, reply) => {
    // Signing out needs no CSRF token: the worst a forged sign-out does is sign the user out.
    await auth.signOut(sessionCookieOf(request.headers.cookie));
    void reply.header('Set-Cookie', clearedSessionCookieHeader(secure(request)));
    return json(reply, { ok: true });
  });

  fastify.post(`${dashboardPrefix}/reveal_secret_key`, async (request, reply) => {
    const principal = await app.authenticator.principalOf(request);
    if (principal.kind !== 'dashboard') {
      throw new ApiError('dashboard_session_invalid', 'Revealing the secret key needs a dashboard session.');
    }
    const secretKey = options.knownKeys(principal.accountId)?.secretKey;
    if (secretKey === undefined) {
      throw new ApiError(
        'resource_missing',
        'This server does not know the secret key in clear (keys are stored hashed). ' +
          'Use the key printed when the account was created, or start opentill serve with --secret-key.',
      );
    }
    void reply.header('Cache-Control', 'no-store');
    return json(reply, { secret_key: secretKey });
  });

  fastify.get('/opentill/v1/dashboard/stream', async (request, reply) => {
    const { principal, stream } = await sse.open(request, reply);
    const live = stream();
    live.send('ready', { account: principal.accountId });
    live.onClose(feed.subscribe(principal.accountId, (notice) => live.send('change', notice)));
  });
}
