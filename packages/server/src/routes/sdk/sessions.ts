/**
 * The OpenTill Terminal SDK's endpoints, under `/opentill/v1/sdk/` (docs/sdk.md). They take no API
 * key: `POST /opentill/v1/sdk/sessions` redeems a connection token for an SDK session secret, and
 * every other endpoint takes that secret as a Bearer token. Bodies are JSON. CORS is open (the
 * credential is a bearer token, never a cookie), so a web POS on another origin can call them.
 */
import { ApiError, limits } from '@opentill/core';
import { SdkError, accountOfSecret, type SdkAuthenticated, type SimulatedBehaviour } from '@opentill/engine';
import { array, bool, currency, int, object, oneOf, parseParams, str, toWire } from '@opentill/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.js';
import type { Services } from '../../services.js';
import { cardReadFrom } from '../opentill-test.js';
import { collectInputsFrom, collectInputsParam } from '../terminal/collect-inputs.js';

export const sdkPrefix = '/opentill/v1/sdk';

/** Stripe's `testPaymentMethod` names of the JS SDK simulator (docs/sdk.md, "Simulated connections"). */
export const simulatorTestPaymentMethods: Readonly<Record<string, string>> = {
  visa: '4242424242424242',
  visa_debit: '4000056655665556',
  mastercard: '5555555555554444',
  mastercard_debit: '5200828282828210',
  mastercard_prepaid: '5105105105105100',
  amex: '378282246310005',
  amex2: '371449635398431',
  discover: '6011111111111117',
  discover2: '6011000990139424',
  diners: '3056930009020004',
  diners_14digits: '36227206271667',
  jcb: '3566002020360505',
  unionpay: '6200000000000005',
  interac: '4506445006931933',
  charge_declined: '4000000000000002',
  charge_declined_insufficient_funds: '4000000000009995',
  charge_declined_lost_card: '4000000000009987',
  charge_declined_stolen_card: '4000000000009979',
  charge_declined_expired_card: '4000000000000069',
  charge_declined_processing_error: '4000000000000119',
  refund_fail: '4000000000005126',
  offline_pin_cvm: '4001007020000002',
  offline_pin_sca_retry: '4000008260000075',
  online_pin_cvm: '4001000360000005',
  online_pin_sca_retry: '4000002760000008',
};

const simulatorSchema = object({
  testCardNumber: str({
    maxLength: 19,
    minLength: 12,
    pattern: /^\d+$/,
    patternMessage: 'Your card number is incorrect.',
  }),
  testPaymentMethod: str({ maxLength: 60 }),
  tipAmount: int({ min: 0, max: limits.amountMax }),
  paymentMethodType: oneOf(['card_present', 'interac_present'] as const),
  collectInputsResult: object({
    resultType: oneOf(['succeeded', 'timeout'] as const),
    skipBehavior: oneOf(['none', 'all'] as const),
  }),
});
type SimulatorParams = {
  testCardNumber?: string;
  testPaymentMethod?: string;
  tipAmount?: number;
  paymentMethodType?: 'card_present' | 'interac_present';
  collectInputsResult?: { resultType?: 'succeeded' | 'timeout'; skipBehavior?: 'none' | 'all' };
};

/** What the simulated reader does, from the SDK's simulator configuration. */
export function simulatedBehaviour(simulator: SimulatorParams | undefined): SimulatedBehaviour {
  const s = simulator ?? {};
  let number = s.testCardNumber;
  if (number === undefined && s.testPaymentMethod !== undefined) {
    number = simulatorTestPaymentMethods[s.testPaymentMethod];
    if (number === undefined) {
      throw new ApiError(
        'invalid_request_body',
        `Unknown testPaymentMethod '${s.testPaymentMethod.slice(0, 60)}'. Use one of ` +
          `${Object.keys(simulatorTestPaymentMethods).join(', ')}.`,
        { param: 'simulator[testPaymentMethod]' },
      );
    }
  }
  const type = s.paymentMethodType ?? (s.testPaymentMethod === 'interac' ? 'interac_present' : undefined);
  return {
    read: (types) => cardReadFrom({ ...(type ? { type } : {}), ...(number !== undefined ? { number } : {}) }, types),
    tipAmount: s.tipAmount ?? 0,
    inputs:
      s.collectInputsResult?.resultType === 'timeout'
        ? 'timeout'
        : s.collectInputsResult?.skipBehavior === 'all'
          ? 'succeeded_skip_all'
          : 'succeeded',
  };
}

/** A PIN typed on a Tap to Pay phone (ISO 9564: 4–12 digits). */
export const pinParam = str({
  minLength: 4,
  maxLength: 12,
  pattern: /^\d+$/,
  patternMessage: 'A PIN is 4 to 12 digits.',
});

const allowRedisplay = oneOf(['always', 'limited', 'unspecified'] as const);
type Body = Record<string, unknown>;

/** Runs a long-poll with a signal that aborts when the client goes away (its socket closes). */
export async function whileClientWaits<T>(
  request: FastifyRequest,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  const socket = request.raw.socket;
  socket.once('close', onClose);
  try {
    return await run(gone.signal);
  } finally {
    socket.off('close', onClose);
  }
}
export type SdkHandler = (
  auth: SdkAuthenticated,
  body: Body,
  query: URLSearchParams,
  request: FastifyRequest,
) => Promise<unknown>;
/** Registers an SDK endpoint (session bearer, JSON body) under `/opentill/v1/sdk`. */
export type SdkRoute = (method: 'GET' | 'POST' | 'DELETE', path: string, handler: SdkHandler) => void;

export function registerSdk(app: App, services: Services): SdkRoute {
  const sdk = services.sdkSessions;
  const { fastify } = app;

  // CORS for the SDK's endpoints (bearer credentials only, so any origin may call them).
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith(`${sdkPrefix}/`)) return;
    void reply
      .header('Access-Control-Allow-Origin', '*')
      .header('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS')
      .header('Access-Control-Allow-Headers', 'Authorization, Content-Type')
      .header('Access-Control-Expose-Headers', 'Request-Id')
      .header('Access-Control-Max-Age', '600');
  });
  fastify.route({
    method: 'OPTIONS',
    url: `${sdkPrefix}/*`,
    handler: async (_request, reply) => reply.status(204).send(),
  });

  const send = (reply: FastifyReply, result: unknown) => reply.type('application/json').send(toWire(result));
  const refuse = (reply: FastifyReply, error: SdkError) =>
    reply
      .status(error.status)
      .type('application/json')
      .send(
        JSON.stringify({
          error: { type: 'invalid_request_error', code: error.code, message: error.message, ...error.extra },
        }),
      );

  function parts(request: FastifyRequest): { body: Body; query: URLSearchParams } {
    const at = request.url.indexOf('?');
    const query = new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1));
    const raw = request.rawBody;
    if (raw === null || raw.length === 0) return { body: {}, query };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError('invalid_request_body', 'Invalid JSON in the request body.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ApiError('invalid_request_body', 'The JSON request body must be an object.');
    }
    return { body: parsed as Body, query };
  }

  const bearer = (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    return header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : null;
  };

  function route(method: 'GET' | 'POST' | 'DELETE', path: string, handler: SdkHandler): void {
    fastify.route({
      method,
      url: `${sdkPrefix}${path}`,
      handler: async (request, reply) => {
        try {
          const { body, query } = parts(request);
          const auth = await sdk.authenticate(bearer(request), request.requestId);
          // The request log's account and source (the session was opened with a connection token).
          request.logAccountId = auth.ctx.accountId;
          request.logSource = 'connection_token';
          request.logParams = body;
          const result = await handler(auth, body, query, request);
          if (request.raw.socket.destroyed) {
            // The client went away (an aborted long-poll): nothing to answer.
            reply.hijack();
            return undefined;
          }
          return send(reply, result);
        } catch (error) {
          if (error instanceof SdkError) return refuse(reply, error);
          throw error;
        }
      },
    });
  }

  fastify.route({
    method: 'POST',
    url: `${sdkPrefix}/sessions`,
    handler: async (request, reply) => {
      try {
        const p = parseParams({ connection_token: str({ maxLength: 400 }).req() }, parts(request).body);
        const { secret, session } = await sdk.open(p.connection_token, request.requestId);
        request.logAccountId = accountOfSecret(p.connection_token, 'pst_test_');
        request.logSource = 'connection_token';
        request.logParams = { connection_token: p.connection_token };
        return send(reply, {
          object: 'opentill.sdk_session',
          id: session.id,
          secret,
          location: session.location,
          expires_at: Math.floor(session.expires_at_ms / 1000),
        });
      } catch (error) {
        if (error instanceof SdkError) return refuse(reply, error);
        throw error;
      }
    },
  });

  route('DELETE', '/session', async (auth) => {
    await sdk.end(auth);
    return { object: 'opentill.sdk_session', id: auth.session.object.id, ended: true };
  });

  route('GET', '/readers', async (auth, _body, query) => {
    const simulated = query.get('simulated') === 'true';
    const location = query.get('location') || undefined;
    return {
      object: 'list',
      data: await sdk.discover(auth, { simulated, ...(location ? { location: location.slice(0, 255) } : {}) }),
    };
  });

  route('POST', '/connection', async (auth, body) => {
    const p = parseParams({ reader: str({ maxLength: 255 }).req(), fail_if_in_use: bool(), simulated: bool() }, body);
    return sdk.connect(auth, p.reader, { failIfInUse: p.fail_if_in_use ?? false, simulated: p.simulated ?? false });
  });

  route('DELETE', '/connection', async (auth) => {
    await sdk.disconnect(auth);
    return {};
  });

  route('GET', '/state', async (auth, _body, query, request) => {
    const wait = Number(query.get('wait_ms') ?? '0');
    return whileClientWaits(request, (signal) =>
      sdk.waitState(auth, query.get('after'), Number.isFinite(wait) ? Math.max(0, wait) : 0, signal),
    );
  });
  fastify.addHook('preClose', async () => {
    sdk.shutdown();
  });

  const tipping = object({ amount_eligible: int({ min: 0, max: limits.amountMax }) });

  route('POST', '/collect_payment_method', async (auth, body) => {
    const p = parseParams(
      {
        client_secret: str({ maxLength: 255 }).req(),
        payment_intent_id: str({ maxLength: 255 }),
        collect_config: object({
          enable_customer_cancellation: bool(),
          skip_tipping: bool(),
          tipping,
          allow_redisplay: allowRedisplay,
        }),
        simulator: simulatorSchema,
      },
      body,
    );
    return sdk.collectPaymentMethod(
      auth,
      p.client_secret,
      p.collect_config ?? {},
      p.payment_intent_id,
      simulatedBehaviour(p.simulator),
    );
  });

  route('POST', '/process_payment', async (auth, body) => {
    const p = parseParams(
      {
        payment_intent: str({ maxLength: 255 }).req(),
        confirm_config: object({ return_url: str({ maxLength: 2048 }) }),
        simulator: simulatorSchema,
        pin: pinParam,
      },
      body,
    );
    return sdk.processPayment(
      auth,
      p.payment_intent,
      p.confirm_config ?? {},
      simulatedBehaviour(p.simulator),
      p.pin ?? null,
    );
  });

  route('POST', '/cancel_action', async (auth, body) => {
    parseParams({}, body);
    return sdk.cancel(auth);
  });

  route('POST', '/set_reader_display', async (auth, body) => {
    const p = parseParams(
      {
        type: oneOf(['cart'] as const).req(),
        cart: object({
          currency: currency().req(),
          line_items: array(
            object({
              amount: int({ min: 0, max: limits.amountMax }).req(),
              description: str({ maxLength: 5000 }).req(),
              quantity: int({ min: 1, max: 1_000_000 }).req(),
            }),
          ).req(),
          tax: int({ min: 0, max: limits.amountMax }),
          total: int({ min: 0, max: limits.amountMax }).req(),
        }).req(),
      },
      body,
    );
    return sdk.setReaderDisplay(auth, {
      currency: p.cart.currency,
      line_items: p.cart.line_items,
      tax: p.cart.tax ?? null,
      total: p.cart.total,
    });
  });

  route('POST', '/collect_inputs', async (auth, body) => {
    const p = parseParams({ inputs: collectInputsParam, simulator: simulatorSchema }, body);
    const inputs = collectInputsFrom(p.inputs);
    return sdk.collectInputs(auth, inputs, simulatedBehaviour(p.simulator));
  });

  route('POST', '/collect_setup_intent', async (auth, body) => {
    const p = parseParams(
      {
        client_secret: str({ maxLength: 255 }).req(),
        allow_redisplay: allowRedisplay.req(),
        process_config: object({ enable_customer_cancellation: bool() }),
        simulator: simulatorSchema,
      },
      body,
    );
    return sdk.collectSetupIntent(
      auth,
      p.client_secret,
      p.allow_redisplay,
      p.process_config ?? {},
      simulatedBehaviour(p.simulator),
    );
  });

  route('POST', '/collect_refund', async (auth, body) => {
    const p = parseParams(
      {
        charge: str({ maxLength: 255 }).req(),
        amount: int({ min: 1, max: limits.amountMax }).req(),
        currency: currency().req(),
        reverse_transfer: bool(),
        refund_application_fee: bool(),
        refund_payment_config: object({ enable_customer_cancellation: bool() }),
        simulator: simulatorSchema,
      },
      body,
    );
    return sdk.collectRefund(
      auth,
      {
        charge: p.charge,
        amount: p.amount,
        currency: p.currency,
        config: p.refund_payment_config ?? {},
        ...(p.reverse_transfer !== undefined ? { reverseTransfer: p.reverse_transfer } : {}),
        ...(p.refund_application_fee !== undefined ? { refundApplicationFee: p.refund_application_fee } : {}),
      },
      simulatedBehaviour(p.simulator),
    );
  });
  return route;
}
