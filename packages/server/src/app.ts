/**
 * The HTTP server: Stripe's `/v1` API plus OpenTill's own endpoints under `/opentill/v1`.
 * Fastify carries routing, body limits and content-type dispatch; everything Stripe-specific
 * (auth, idempotency, errors, form decoding) is in `http/`.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError, limits } from '@opentill/core';
import { apiVersion, type Engine, type RequestContext } from '@opentill/engine';
import { checkJsonShape, decodeForm, storedTextToWire, toWire } from '@opentill/protocol';
import { Authenticator, type Principal } from './http/auth.js';
import { nextRequestId } from './http/request-id.js';
import { Idempotency } from './http/idempotency.js';
import type { Services } from './services.js';

export interface ServerOptions {
  engine: Engine;
  services: Services;
  /** Log every request (off by default: the log is for operators, not the hot path). */
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
    principal: Principal | null;
    rawBody: Buffer | null;
    stripeVersion: string;
    idempotencyKey: string | null;
    idempotencyStarted: boolean;
  }
}

const versionPattern = /^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$/;

/** A response body already rendered for the wire (internal fields dropped), sent as is. */
export class WireJson {
  constructor(readonly text: string) {}
}

export type Handler = (request: FastifyRequest, ctx: RequestContext, params: Record<string, unknown>) => Promise<unknown>;

export interface App {
  fastify: FastifyInstance;
  authenticator: Authenticator;
  /** Declares an endpoint. `publishable`: a publishable key may call it (the handler checks how). */
  route(method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler, options?: { publishable?: boolean }): void;
}

export function createApp(options: ServerOptions): App {
  const fastify = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyBytesMax,
    routerOptions: {
      // Stripe ids never need more; a long URL is an attack or a bug.
      maxParamLength: 255,
      // Query strings are decoded by our form decoder (same rules as bodies), not Fastify's.
      querystringParser: () => ({}),
    },
    return503OnClosing: true,
    // URLs the router rejects before any hook runs (an over-long id, bad percent-encoding in the
    // path) still get a Stripe error envelope, a Request-Id and a Stripe-Version.
    frameworkErrors: (error, request, reply) => {
      request.requestId = nextRequestId();
      void reply.header('Request-Id', request.requestId).header('Stripe-Version', apiVersion);
      return sendError(request, reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError('resource_missing',
          `No such object: '${request.url.split('?')[0]!.split('/').pop()!.slice(0, 40)}...'`, { param: 'id' })
        : new ApiError('invalid_request_body', `Invalid request URL (${request.method}: ${request.url.split('?')[0]!.slice(0, 200)}).`));
    },
  });
  const authenticator = new Authenticator(options.engine.store);
  const idempotency = new Idempotency(options.engine.store);

  fastify.decorateRequest('requestId', '');
  fastify.decorateRequest('principal', null);
  fastify.decorateRequest('rawBody', null);
  fastify.decorateRequest('stripeVersion', apiVersion);
  fastify.decorateRequest('idempotencyKey', null);
  fastify.decorateRequest('idempotencyStarted', false);

  fastify.removeAllContentTypeParsers();
  const keepRaw = (request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
    request.rawBody = body;
    done(null, body);
  };
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, keepRaw);
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, keepRaw);
  // Anything else is read and then rejected with a Stripe-shaped error in preHandler.
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, keepRaw);

  // A callback hook, not an async one: Fastify then skips a promise and its resolution per request.
  fastify.addHook('onRequest', (request, reply, done) => {
    request.requestId = nextRequestId();
    void reply.header('Request-Id', request.requestId);
    const version = request.headers['stripe-version'];
    if (typeof version === 'string' && version !== '') {
      if (!versionPattern.test(version)) {
        done(new ApiError('invalid_request_body', `Invalid Stripe API version: ${version.slice(0, 40)}`, { param: 'Stripe-Version' }));
        return;
      }
      request.stripeVersion = version;
    }
    void reply.header('Stripe-Version', request.stripeVersion);
    done();
  });

  fastify.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  fastify.setNotFoundHandler((request, reply) => {
    const error = new ApiError('route_unknown',
      `Unrecognized request URL (${request.method}: ${request.url.split('?')[0]}). Please see https://stripe.com/docs ` +
      'or we can help at https://support.stripe.com/.');
    return sendError(request, reply, error);
  });

  /**
   * Records the answer under the request's idempotency key before it is sent (a replay must never
   * see less than the client saw), or releases the key when the error is not stored (validation).
   * Done here rather than in an onSend hook: a hook costs every request, and only keyed POSTs need it.
   */
  async function settleIdempotency(request: FastifyRequest, status: number, payload: string, stored: boolean) {
    if (!request.idempotencyStarted || !request.principal || !request.idempotencyKey) return;
    request.idempotencyStarted = false;
    if (stored) await idempotency.finish(request.principal.accountId, request.idempotencyKey, status, payload);
    else await idempotency.abandon(request.principal.accountId, request.idempotencyKey);
  }

  async function sendError(request: FastifyRequest, reply: FastifyReply, raw: unknown) {
    const error = asApiError(raw, fastify);
    for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
    if (error.status >= 500) {
      fastify.log.error({ err: raw, requestId: request.requestId }, 'internal error');
      void reply.header('Stripe-Should-Retry', 'true');
    }
    const payload = toWire({ error: error.body });
    await settleIdempotency(request, error.status, payload, error.storedForIdempotency);
    return reply.status(error.status).type('application/json').send(payload);
  }

  function decodeParams(request: FastifyRequest): Record<string, unknown> {
    if (request.method === 'GET' || request.method === 'DELETE') {
      const query = request.url.indexOf('?');
      return query < 0 ? {} : decodeForm(request.url.slice(query + 1));
    }
    const body = request.rawBody;
    if (body === null || body.length === 0) {
      const query = request.url.indexOf('?');
      return query < 0 ? {} : decodeForm(request.url.slice(query + 1));
    }
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      } catch {
        throw new ApiError('invalid_request_body', 'Invalid JSON in the request body.');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ApiError('invalid_request_body', 'The JSON request body must be an object.');
      }
      checkJsonShape(parsed);
      return parsed as Record<string, unknown>;
    }
    if (type === 'application/x-www-form-urlencoded' || type === '') return decodeForm(body);
    throw new ApiError('unsupported_media_type',
      `Invalid request: unsupported Content-Type ${type.slice(0, 60)}. Send application/x-www-form-urlencoded or application/json.`);
  }

  /** toWire, from the text the commit already made when the handler returns a committed object. */
  function renderBody(result: unknown): string {
    const committed = options.engine.committedJson(result);
    return (committed === undefined ? null : storedTextToWire(committed)) ?? toWire(result);
  }

  const app: App = {
    fastify,
    authenticator,
    route(method, path, handler, routeOptions = {}) {
      fastify.route({
        method,
        url: path,
        handler: async (request, reply) => {
          const principal = await authenticator.principal(request.headers.authorization);
          request.principal = principal;
          if (principal.kind === 'publishable' && !routeOptions.publishable) {
            throw new ApiError('secret_key_required',
              'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a ' +
              'list of your API keys at https://dashboard.stripe.com/account/apikeys.');
          }
          const params = decodeParams(request);
          const account = await authenticator.account(principal.accountId);
          const key = method === 'POST' ? request.headers['idempotency-key'] : undefined;
          const ctx: RequestContext = {
            accountId: principal.accountId,
            requestId: request.requestId,
            idempotencyKey: typeof key === 'string' ? key : null,
            nowMs: options.engine.clock.nowMs() + account.clockOffsetMs,
            apiVersion: request.stripeVersion,
          };
          if (typeof key === 'string' && principal.kind === 'secret') {
            const replay = await idempotency.begin(request, principal.accountId, key, ctx.nowMs);
            if (replay) {
              void reply.header('Idempotent-Replayed', 'true').header('Idempotency-Key', key);
              return reply.status(replay.status).type('application/json').send(replay.body);
            }
            void reply.header('Idempotency-Key', key);
          }
          const result = await handler(request, ctx, params);
          const payload = result instanceof WireJson ? result.text : renderBody(result);
          await settleIdempotency(request, 200, payload, true);
          return reply.type('application/json').send(payload);
        },
      });
    },
  };
  return app;
}

function asApiError(raw: unknown, fastify: FastifyInstance): ApiError {
  if (raw instanceof ApiError) return raw;
  const code = (raw as { code?: string } | null)?.code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', `Request body too large: the limit is ${limits.bodyBytesMax} bytes.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_request_body', 'Invalid request body.');
    default: {
      const status = (raw as { statusCode?: number } | null)?.statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return new ApiError('invalid_request_body', `Invalid request: ${(raw as Error).message}`.slice(0, 300));
      }
      fastify.log.error(raw);
      return new ApiError('api_error', 'An unknown error occurred while processing your request.');
    }
  }
}
