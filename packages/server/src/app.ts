/**
 * The HTTP server: Stripe's `/v1` API plus OpenTill's own endpoints under `/opentill/v1`.
 * Fastify carries routing, body limits and content-type dispatch; everything Stripe-specific
 * (auth, idempotency, errors, form decoding) is in `http/`.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { ApiError, limits, type StoredObject } from '@opentill/core';
import {
  apiVersion,
  type Engine,
  type IdempotencyHandle,
  type RecoveredEffect,
  type RequestContext,
} from '@opentill/engine';
import { checkJsonShape, decodeForm, storedTextToWire, toWire } from '@opentill/protocol';
import { Authenticator, type Principal } from './http/auth.js';
import { nextRequestId } from './http/request-id.js';
import { Idempotency } from './http/idempotency.js';
import { expandObject } from './http/expand.js';
import type { Services } from './services.js';
import type { RequestLogRecorder } from './operations/request-log.js';
import type { ChangeFeed } from './operations/dashboard-routes.js';
import type { RequestSource } from '@opentill/engine';

export interface ServerOptions {
  engine: Engine;
  services: Services;
  /**
   * The operator log (pino): one line per request, 5xx with their stack. A pino logger built by the
   * caller (`opentill serve`: level, TTY formatting, stderr), or false for none (unit tests).
   */
  logger?: FastifyBaseLogger | false;
  /**
   * Test-only fault point: called after a request's effect is committed and before its answer is
   * stored (the crash harness kills the process here). Never set in production.
   */
  beforeAnswerStored?: () => void;
  /**
   * Test-only: sees every answer before it is sent and may replace it (the e2e suite's conformance
   * check against stripe-node's types, docs/conformance.md). Never set in production, where no hook
   * is registered at all: it costs nothing there.
   */
  answerCheck?: AnswerCheck;
  /** Overrides `limits.httpHeadersTimeoutMs` / `httpRequestTimeoutMs` (tests make them short). */
  timeouts?: { headersMs?: number | undefined; requestMs?: number | undefined };
  /** Where the request log goes (issue 12); none: requests are not recorded. */
  requestLog?: RequestLogRecorder;
  /** The dashboard (docs/dashboard.md). */
  dashboard?: DashboardOptions;
  /** `req_…` ids; default random per process plus a counter (the simulation passes a seeded source). */
  requestIds?: () => string;
  /**
   * This node's name in a cluster (`opentill serve --node-name`), sent as the `OpenTill-Node`
   * header on every answer so an operator (and the cluster tests) sees which node behind a load
   * balancer answered. None: no header.
   */
  nodeName?: string;
}

/** Given an answer about to be sent, a replacement for it, or undefined to send it as is. */
export type AnswerCheck = (
  method: string,
  url: string,
  status: number,
  payload: string,
) => { status: number; payload: string } | undefined;

export interface DashboardOptions {
  /** The built dashboard (`apps/dashboard/dist`); null or missing: `GET /` says it was not built. */
  dir: string | null;
  /** The keys this server knows in clear for an account (generated into keys.json, or configured). */
  knownKeys(accountId: string): { secretKey?: string; publishableKey?: string } | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
    principal: Principal | null;
    rawBody: Buffer | null;
    stripeVersion: string;
    /** The request's hold on its Idempotency-Key, until its answer is stored or the key released. */
    idempotency: IdempotencyHandle | null;
    /** For the request log: the account of a request not authenticated by `app.route` (SDK routes). */
    logAccountId: string | null;
    logSource: RequestSource | null;
    /** The decoded parameters (request log), once decoded. */
    logParams: unknown;
    /** The Stripe error answered, for the log line and the request log. */
    errorType: string | null;
    errorCode: string | null;
  }
}

const versionPattern = /^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$/;

/** The end of the 404 for an unknown route (docs/decisions.md). */
export const notEmulated =
  'This endpoint is not emulated by OpenTill, which serves the parts of the API that Stripe Terminal integrations use ' +
  '(the README lists them).';

/** A response body already rendered for the wire (internal fields dropped), sent as is. */
export class WireJson {
  constructor(readonly text: string) {}
}

export type Handler = (
  request: FastifyRequest,
  ctx: RequestContext,
  params: Record<string, unknown>,
) => Promise<unknown>;

export interface RouteOptions {
  /** A publishable key may call it (the handler checks how). */
  publishable?: boolean;
  /**
   * The type of object the route answers, for answering a retry from the recorded effect after a
   * crash (docs/idempotency.md): the object named by `:id`, else the one the request created.
   * Default: the object named by `:id`.
   */
  resultType?: string;
}

/** How a recovered object of a type is shown (default: as stored, with the request's `expand`). */
export type RecoveredView = (ctx: RequestContext, object: StoredObject) => unknown;

export interface App {
  fastify: FastifyInstance;
  authenticator: Authenticator;
  /** Change notices for the dashboard's live views (set by buildServer); the webhook dispatcher publishes its attempts. */
  changes?: ChangeFeed;
  /** Declares an endpoint. */
  route(method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler, options?: RouteOptions): void;
  /** How a route answering objects of `type` shows one rebuilt from a recorded effect. */
  recoveredView(type: string, view: RecoveredView): void;
}

export function createApp(options: ServerOptions): App {
  // A client that never finishes its headers or its body must not hold a socket: Node closes it
  // (408) after these, checked every `checkMs`. Fastify disables Node's request timeout by default.
  const headersMs = options.timeouts?.headersMs ?? limits.httpHeadersTimeoutMs;
  const requestMs = Math.max(options.timeouts?.requestMs ?? limits.httpRequestTimeoutMs, headersMs);
  const checkMs = Math.max(10, Math.min(limits.httpTimeoutCheckIntervalMs, Math.floor(headersMs / 2)));
  const requestIdOf = options.requestIds ?? nextRequestId;
  const fastify = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // The log's `reqId` is the Request-Id the client sees.
    genReqId: () => requestIdOf(),
    // One line per request, written in onResponse below with account, status and error code.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytesMax,
    requestTimeout: requestMs,
    http: { headersTimeout: headersMs, requestTimeout: requestMs, connectionsCheckingInterval: checkMs },
    routerOptions: {
      // Stripe ids never need more; a long URL is an attack or a bug.
      maxParamLength: 255,
      // Query strings are decoded by our form decoder (same rules as bodies), not Fastify's.
      querystringParser: () => ({}),
    },
    return503OnClosing: true,
    // Errors Node raises before a request exists (timeouts above, malformed HTTP): still a
    // Stripe-shaped body, then the socket is closed.
    clientErrorHandler: (error, socket) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || socket.destroyed) return;
      const [status, reason, message] =
        code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [
              408,
              'Request Timeout',
              `The request was not received in time (headers within ${headersMs} ms, all of it within ${requestMs} ms).`,
            ]
          : code === 'HPE_HEADER_OVERFLOW'
            ? [431, 'Request Header Fields Too Large', 'The request headers are too large.']
            : [400, 'Bad Request', 'Malformed HTTP request.'];
      const body = JSON.stringify({ error: { type: 'invalid_request_error', message } });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
    // URLs the router rejects before any hook runs (an over-long id, bad percent-encoding in the
    // path) still get a Stripe error envelope, a Request-Id and a Stripe-Version.
    frameworkErrors: (error, request, reply) => {
      request.requestId = request.id;
      void reply.header('Request-Id', request.requestId).header('Stripe-Version', apiVersion);
      return sendError(
        request,
        reply,
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ApiError(
              'resource_missing',
              `No such object: '${request.url.split('?')[0]!.split('/').pop()!.slice(0, 40)}...'`,
              { param: 'id' },
            )
          : new ApiError(
              'invalid_request_body',
              `Invalid request URL (${request.method}: ${request.url.split('?')[0]!.slice(0, 200)}).`,
            ),
      );
    },
  });
  const nodeName = options.nodeName;
  const authenticator = new Authenticator(options.engine.store);
  const idempotency = new Idempotency(options.engine);
  const recoveredViews = new Map<string, RecoveredView>();

  fastify.decorateRequest('requestId', '');
  fastify.decorateRequest('principal', null);
  fastify.decorateRequest('rawBody', null);
  fastify.decorateRequest('stripeVersion', apiVersion);
  fastify.decorateRequest('idempotency', null);
  fastify.decorateRequest('logAccountId', null);
  fastify.decorateRequest('logSource', null);
  fastify.decorateRequest('logParams', null);
  fastify.decorateRequest('errorType', null);
  fastify.decorateRequest('errorCode', null);

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
    request.requestId = request.id;
    void reply.header('Request-Id', request.requestId);
    if (nodeName !== undefined) void reply.header('OpenTill-Node', nodeName);
    const version = request.headers['stripe-version'];
    if (typeof version === 'string' && version !== '') {
      if (!versionPattern.test(version)) {
        done(
          new ApiError('invalid_request_body', `Invalid Stripe API version: ${version.slice(0, 40)}`, {
            param: 'Stripe-Version',
          }),
        );
        return;
      }
      // Any well-formed version, older or newer than the pin, is answered in the pin's shape and
      // echoed: a team on a newer official library keeps working (docs/decisions.md).
      request.stripeVersion = version;
    }
    void reply.header('Stripe-Version', request.stripeVersion);
    done();
  });

  // The operator's line per request: the same reqId as the Request-Id header, the account, the
  // status, the duration and the error code (docs/operations.md).
  if (options.logger) {
    fastify.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          path: request.url.split('?')[0],
          status: reply.statusCode,
          account: request.principal?.accountId ?? request.logAccountId ?? undefined,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          ...(request.errorCode !== null ? { errorCode: request.errorCode } : {}),
        },
        'request',
      );
      done();
    });
  }

  const answerCheck = options.answerCheck;
  if (answerCheck) {
    fastify.addHook('onSend', (request, reply, payload, done) => {
      const replaced =
        typeof payload === 'string' ? answerCheck(request.method, request.url, reply.statusCode, payload) : undefined;
      if (replaced === undefined) {
        done(null, payload);
        return;
      }
      void reply.code(replaced.status);
      done(null, replaced.payload);
    });
  }

  fastify.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  fastify.setNotFoundHandler((request, reply) => {
    // Stripe's wording first (clients match on it), then why: the resource or method may well
    // exist on Stripe, OpenTill serves only what Terminal integrations use.
    const error = new ApiError(
      'route_unknown',
      `Unrecognized request URL (${request.method}: ${request.url.split('?')[0]}). Please see https://stripe.com/docs ` +
        'or we can help at https://support.stripe.com/. ' +
        notEmulated,
    );
    return sendError(request, reply, error);
  });

  /**
   * Records the answer under the request's idempotency key before it is sent (a replay must never
   * see less than the client saw), or releases the key when the error is not stored (validation)
   * and nothing was committed. A request that committed always stores its answer: its retry must
   * not run again. Done here rather than in an onSend hook: a hook costs every request, and only
   * keyed POSTs need it.
   */
  async function settleIdempotency(request: FastifyRequest, status: number, payload: string, stored: boolean) {
    const handle = request.idempotency;
    if (!handle || !request.principal) return;
    request.idempotency = null;
    const committed = handle.effect.objects.size > 0;
    if (committed) options.beforeAnswerStored?.();
    if (stored || committed) {
      await idempotency.finish(
        request.principal.accountId,
        handle.key,
        handle.token,
        status,
        payload,
        handle.effect.answer !== null,
      );
    } else await idempotency.abandon(request.principal.accountId, handle.key, handle.token);
  }

  async function sendError(request: FastifyRequest, reply: FastifyReply, raw: unknown) {
    const error = asApiError(raw);
    for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
    request.errorType = error.body.type;
    request.errorCode = (error.body as { code?: string }).code ?? null;
    if (error.status >= 500) {
      request.log.error({ err: raw }, 'internal error');
      void reply.header('Stripe-Should-Retry', 'true');
    }
    const payload = toWire({ error: error.body });
    try {
      await settleIdempotency(request, error.status, payload, error.storedForIdempotency);
    } catch (settleError) {
      // The store failed while recording the answer (PostgreSQL unreachable): the outcome is not
      // settled, so the client gets a retryable Stripe error, never Fastify's own 500 body.
      if (error.status < 500) return sendError(request, reply, settleError);
      request.log.error({ err: settleError }, 'could not settle the idempotency key of a failed request');
    }
    return reply.status(error.status).type('application/json').send(payload);
  }

  function decodeParams(request: FastifyRequest): Record<string, unknown> {
    if (request.method === 'GET' || request.method === 'DELETE') {
      // Stripe's libraries put these parameters in the query string; a body here would be
      // silently ignored, so it is refused instead (docs/decisions.md).
      if (
        (request.rawBody !== null && request.rawBody.length > 0) ||
        Number(request.headers['content-length'] ?? 0) > 0
      ) {
        throw new ApiError(
          'invalid_request_body',
          `A ${request.method} request takes its parameters in the query string, not in a body ` +
            '(with curl, add -G to send -d parameters in the URL).',
        );
      }
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
    throw new ApiError(
      'unsupported_media_type',
      `Invalid request: unsupported Content-Type ${type.slice(0, 60)}. Send application/x-www-form-urlencoded or application/json.`,
    );
  }

  /** toWire, from the text the commit already made when the handler returns a committed object. */
  function renderBody(result: unknown): string {
    const committed = options.engine.committedJson(result);
    return (committed === undefined ? null : storedTextToWire(committed)) ?? toWire(result);
  }

  /**
   * The first outcome of a request that committed, then died before storing its answer: the
   * recorded error, the recorded answer, or the route's result rebuilt from the committed objects
   * (rendered with the same parameters: the retry's body is the same, its hash proved it).
   */
  async function recoveredAnswer(
    request: FastifyRequest,
    ctx: RequestContext,
    params: Record<string, unknown>,
    effect: RecoveredEffect,
    routeOptions: RouteOptions,
  ): Promise<{ status: number; payload: string; headers: Record<string, string> }> {
    if (effect.error)
      return {
        status: effect.error.status,
        payload: toWire({ error: effect.error.body }),
        headers: effect.error.headers,
      };
    if (effect.answer !== null && effect.answer !== undefined)
      return { status: 200, payload: toWire(effect.answer), headers: {} };
    const id = (request.params as { id?: string } | undefined)?.id;
    const type = routeOptions.resultType;
    const candidates = effect.objects.filter(
      (entry) => entry.type !== 'event' && (type === undefined || entry.type === type),
    );
    const created = candidates.filter((entry) => entry.created);
    let object: StoredObject | null = ((id !== undefined
      ? candidates.find((entry) => entry.id === id)?.data
      : undefined) ??
      (id === undefined && created.length === 1 ? created[0]!.data : undefined) ??
      null) as StoredObject | null;
    // A request interrupted between two of its commits (none of the routes that move money, see
    // docs/idempotency.md): its object as it is now; the missing step is not run again.
    if (object === null && id !== undefined) {
      const current = await options.engine.find(ctx, id);
      if (current && (type === undefined || current.object.object === type)) object = current.object;
    }
    if (object === null) {
      const error = new ApiError(
        'api_error',
        'This request took effect, but its answer was lost in a server restart and cannot be rebuilt. It will not run again; ' +
          'list the objects to see its result.',
      );
      return { status: error.status, payload: toWire({ error: error.body }), headers: {} };
    }
    const view = recoveredViews.get(object.object);
    const expand = Array.isArray(params['expand']) ? params['expand'].map(String) : [];
    const shown = view ? view(ctx, object) : object;
    return {
      status: 200,
      payload: toWire(
        expand.length > 0 ? await expandObject(options.engine, ctx, shown as StoredObject, expand) : shown,
      ),
      headers: {},
    };
  }

  const app: App = {
    fastify,
    authenticator,
    recoveredView(type, view) {
      recoveredViews.set(type, view);
    },
    route(method, path, handler, routeOptions = {}) {
      fastify.route({
        method,
        url: path,
        handler: async (request, reply) => {
          const principal = await authenticator.actingAs(
            await authenticator.principalOf(request),
            request.headers['stripe-account'],
            request.headers.authorization,
            (platformId, accountId) => options.services.connect.connectedTo(platformId, accountId),
          );
          request.principal = principal;
          if (principal.kind === 'publishable' && !routeOptions.publishable) {
            throw new ApiError(
              'secret_key_required',
              'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a ' +
                'list of your API keys at https://dashboard.stripe.com/account/apikeys.',
            );
          }
          const params = decodeParams(request);
          request.logParams = params;
          const account = await authenticator.account(principal.accountId);
          const key = method === 'POST' ? request.headers['idempotency-key'] : undefined;
          const ctx: RequestContext = {
            accountId: principal.accountId,
            requestId: request.requestId,
            idempotencyKey: typeof key === 'string' ? key : null,
            idempotency: null,
            nowMs: options.engine.clock.nowMs() + account.clockOffsetMs,
            apiVersion: request.stripeVersion,
            platformId: principal.platformId ?? null,
          };
          if (typeof key === 'string' && principal.kind !== 'publishable') {
            const begun = await idempotency.begin(request, principal.accountId, key, ctx.nowMs);
            if (begun.kind === 'replay') {
              void reply.header('Idempotent-Replayed', 'true').header('Idempotency-Key', key);
              return reply.status(begun.status).type('application/json').send(begun.body);
            }
            if (begun.kind === 'recover') {
              const answer = await recoveredAnswer(request, ctx, params, begun.effect, routeOptions);
              await idempotency.finish(
                principal.accountId,
                key,
                begun.token,
                answer.status,
                answer.payload,
                begun.effect.answer !== null && begun.effect.answer !== undefined,
              );
              for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value);
              void reply.header('Idempotent-Replayed', 'true').header('Idempotency-Key', key);
              return reply.status(answer.status).type('application/json').send(answer.payload);
            }
            request.idempotency = begun.handle;
            ctx.idempotency = begun.handle;
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

function asApiError(raw: unknown): ApiError {
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
      // Logged with its stack and the request's id by sendError (every 5xx is).
      return new ApiError('api_error', 'An unknown error occurred while processing your request.');
    }
  }
}
