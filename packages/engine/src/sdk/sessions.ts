/**
 * The OpenTill Terminal SDK's side of the server (docs/sdk.md). A client SDK never holds an API
 * key: it redeems a connection token (single use) for a short-lived SDK session scoped to the
 * token's account and Location, connects that session to one reader, and drives the reader
 * through `TerminalReaders` — the same engine path as the server-driven API. Simulated
 * connections present the simulator's card through the device-side path the test helper uses.
 *
 * Stored objects (never shown by the `/v1` API):
 * - `opentill.sdk_session` (`sdks_…`): the session, found from its secret (which names it);
 * - `opentill.sdk_reader_connection` (`sdkrc_<reader id>`): which session holds a reader.
 */
import { createHash } from 'node:crypto';
import { sameSecret } from '../secrets.js';
import {
  ApiError,
  intentIdOfClientSecret,
  isApiError,
  secondsOf,
  type PaymentIntent,
  type Reader,
  type StoredObject,
} from '@opentill/core';
import type { SdkDisconnectReason, SdkStateWire } from '@opentill/protocol';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import type { PaymentIntents } from '../payment-intents.js';
import type { CardRead } from '../ports.js';
import type { SetupIntents } from '../setup-intents.js';
import type { StoredRecord } from '../store.js';
import type { TerminalConnectionTokens } from '../terminal/connection-tokens.js';
import type { TerminalReaders } from '../terminal/readers/index.js';
import type { TerminalLocations } from '../terminal/locations.js';
import { kinds } from '../kinds.js';
import { CommitWaiters } from './commit-waiters.js';

/** An SDK session lives this long; then the SDK fetches a new connection token. */
export const sdkSessionLifetimeMs = 60 * 60 * 1000;
/** Discovery answers at most this many readers; more is `discovery_too_many_readers`. */
export const sdkDiscoveryReadersMax = 100;
/** A long-poll of the session state waits at most this long. */
export const sdkStateWaitMsMax = 30_000;

export interface SdkSessionRecord extends StoredObject {
  object: 'opentill.sdk_session';
  secret_sha256: string;
  /** The connection token's Location scope. */
  location: string | null;
  expires_at_ms: number;
  ended: boolean;
  /** The reader this session connected to (the connection record says whether it still holds it). */
  reader: string | null;
  /** Connected through simulated discovery: card actions present the simulator's card at once. */
  simulated: boolean;
}

export interface SdkReaderConnection extends StoredObject {
  object: 'opentill.sdk_reader_connection';
  reader: string;
  session: string | null;
  connected_at_ms: number;
}

/** An SDK-level refusal, answered as `{error: {type, code, message}}` with `status`. */
export class SdkError extends Error {
  /** `extra`: more fields of the error object (`reason`, `field`, `decline_code`, …). */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type DisconnectReason = SdkDisconnectReason | null;

/** The state the SDKs long-poll; its shape is the wire type both SDKs read (protocol/sdk-state.ts). */
export type SdkState = SdkStateWire<Reader, PaymentIntent, StoredObject, StoredObject>;

/** What a simulated reader does when the SDK asks it for a card or for inputs. */
export interface SimulatedBehaviour {
  read: (paymentMethodTypes: string[]) => CardRead;
  tipAmount: number;
  inputs: 'succeeded' | 'succeeded_skip_all' | 'timeout';
}

export interface SdkAuthenticated {
  ctx: RequestContext;
  session: StoredRecord<SdkSessionRecord>;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The account a `pst_test_…` connection token or `sdks_test_…` session secret names, or null. */
export function accountOfSecret(secret: string, prefix: string): string | null {
  if (!secret.startsWith(prefix) || secret.length > 400) return null;
  const decoded = Buffer.from(secret.slice(prefix.length), 'base64url').toString('utf8');
  const account = decoded.split('.')[0];
  return account && /^acct_[A-Za-z0-9]+$/.test(account) ? account : null;
}

export class SdkSessions {
  /** A long-poll waits on the objects its state is made of (session, reader, connection). */
  private readonly waiters: CommitWaiters;

  constructor(
    private readonly engine: Engine,
    private readonly tokens: TerminalConnectionTokens,
    private readonly readers: TerminalReaders,
    private readonly paymentIntents: PaymentIntents,
    private readonly setupIntents: SetupIntents,
    private readonly locations: TerminalLocations,
  ) {
    this.waiters = new CommitWaiters(engine);
  }

  /**
   * Wakes the long-polls waiting on an object: this node's commits, and (through the gateway's
   * reader bus, docs/cluster.md) another node's commit of it.
   */
  wake(accountId: string, objectId: string): void {
    this.waiters.wake(accountId, objectId);
  }

  /** The server is stopping: long-polls answer at once. */
  shutdown(): void {
    this.waiters.shutdown();
  }

  private async context(accountId: string, requestId: string | null): Promise<RequestContext> {
    const account = await this.engine.store.getAccount(accountId);
    if (!account)
      throw new SdkError(401, 'invalid_connection_token', 'Invalid, expired or already used connection token.');
    const ctx = await this.engine.automaticContext(accountId);
    return { ...ctx, requestId };
  }

  // ----------------------------------------------------------------------------------------------
  // Sessions
  // ----------------------------------------------------------------------------------------------

  /** Redeems a connection token (single use) for an SDK session. */
  async open(
    connectionToken: string,
    requestId: string | null,
  ): Promise<{ secret: string; session: SdkSessionRecord }> {
    const accountId = accountOfSecret(connectionToken, 'pst_test_');
    if (!accountId)
      throw new SdkError(401, 'invalid_connection_token', 'Invalid, expired or already used connection token.');
    const ctx = await this.context(accountId, requestId);
    let location: string | null;
    try {
      location = (await this.tokens.redeem(ctx, connectionToken)).location;
    } catch (error) {
      if (isApiError(error)) throw new SdkError(401, 'invalid_connection_token', error.message);
      throw error;
    }
    const id = this.engine.ids.next('sdks');
    const secret = `sdks_test_${b64(`${accountId}.${id}.${this.engine.ids.secret(40)}`)}`;
    const session: SdkSessionRecord = {
      id,
      object: 'opentill.sdk_session',
      created: secondsOf(ctx.nowMs),
      livemode: false,
      secret_sha256: sha256(secret),
      location,
      expires_at_ms: ctx.nowMs + sdkSessionLifetimeMs,
      ended: false,
      reader: null,
      simulated: false,
    };
    await this.engine.commit(ctx, [session], [], new Map());
    return { secret, session };
  }

  async authenticate(secret: string | null, requestId: string | null): Promise<SdkAuthenticated> {
    const refused = () =>
      new SdkError(401, 'sdk_session_invalid', 'Invalid or ended SDK session: fetch a new connection token.');
    if (!secret) throw refused();
    const accountId = accountOfSecret(secret, 'sdks_test_');
    if (!accountId) throw refused();
    const sessionId = Buffer.from(secret.slice('sdks_test_'.length), 'base64url').toString('utf8').split('.')[1] ?? '';
    if (!/^sdks_[A-Za-z0-9]+$/.test(sessionId)) throw refused();
    const ctx = await this.context(accountId, requestId);
    const session = await this.engine.store.get<SdkSessionRecord>(accountId, sessionId);
    if (!session || session.object.object !== 'opentill.sdk_session' || session.object.ended) throw refused();
    if (!sameSecret(session.object.secret_sha256, sha256(secret))) throw refused();
    if (session.object.expires_at_ms <= ctx.nowMs) {
      throw new SdkError(401, 'sdk_session_expired', 'The SDK session expired: fetch a new connection token.');
    }
    return { ctx, session };
  }

  /** Ends the session (clearCachedCredentials, disconnect): releases its reader. */
  async end(auth: SdkAuthenticated): Promise<void> {
    await this.disconnect(auth);
    await this.engine.retrying(async () => {
      const fresh = await this.engine.store.get<SdkSessionRecord>(auth.ctx.accountId, auth.session.object.id);
      if (!fresh || fresh.object.ended) return;
      await this.engine.commit(auth.ctx, [{ ...fresh.object, ended: true }], [], versionsOf(fresh));
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Discovery and connection
  // ----------------------------------------------------------------------------------------------

  async discover(auth: SdkAuthenticated, options: { simulated: boolean; location?: string }): Promise<Reader[]> {
    const { ctx } = auth;
    const scope = auth.session.object.location;
    if (options.location !== undefined && scope !== null && options.location !== scope) {
      throw new SdkError(
        400,
        'invalid_argument',
        `This connection token is scoped to Location ${scope}: it cannot discover readers at ${options.location.slice(0, 60)}.`,
      );
    }
    const location = scope ?? options.location ?? null;
    if (location !== null) await this.engine.load(ctx, kinds.terminalLocation, location);
    const filters = location !== null ? [{ field: 'location', op: 'eq' as const, value: location }] : [];
    const found = await this.engine.store.list<Reader>({
      accountId: ctx.accountId,
      type: 'terminal.reader',
      limit: sdkDiscoveryReadersMax + 1,
      filters,
    });
    let readers = found.data.filter(
      (reader) =>
        reader['deleted'] !== true &&
        (!options.simulated || (reader._internal.link === 'simulated' && reader.device_type.startsWith('simulated_'))),
    );
    if (readers.length > sdkDiscoveryReadersMax || (found.hasMore && !options.simulated)) {
      throw new SdkError(
        400,
        'discovery_too_many_readers',
        `More than ${sdkDiscoveryReadersMax} readers were discovered: filter discovery by Location.`,
      );
    }
    if (options.simulated && readers.length === 0) {
      // Like Stripe's SDK simulator, simulated discovery always finds a reader: one is registered.
      const at = location ?? (await this.simulatedLocation(ctx));
      readers = [await this.readers.register(ctx, { registrationCode: 'simulated-wpe', location: at, metadata: {} })];
    }
    return readers.map((reader) => this.readers.view(reader, ctx.nowMs));
  }

  private async simulatedLocation(ctx: RequestContext): Promise<string> {
    const locations = await this.engine.store.list({ accountId: ctx.accountId, type: 'terminal.location', limit: 10 });
    const existing = locations.data.find((location) => location['deleted'] !== true);
    if (existing) return existing.id;
    const location = await this.locations.create(ctx, {
      display_name: 'OpenTill simulated readers',
      address: { country: 'US' },
    });
    return location.id;
  }

  async connect(
    auth: SdkAuthenticated,
    readerId: string,
    options: { failIfInUse: boolean; simulated: boolean },
  ): Promise<Reader> {
    const { ctx } = auth;
    const session = auth.session.object;
    const reader = await this.readers.retrieve(ctx, readerId);
    if (session.location !== null && reader.location !== session.location) {
      throw new SdkError(
        400,
        'invalid_argument',
        `Reader ${reader.id} is not at Location ${session.location}, the scope of this connection token.`,
      );
    }
    if (reader.status === 'offline') {
      throw new SdkError(400, 'reader_error', `Reader ${reader.id} is offline: it could not be connected.`);
    }
    const simulated = options.simulated && reader._internal.link === 'simulated';
    await this.engine.retrying(async () => {
      const connectionId = `sdkrc_${reader.id}`;
      const existing = await this.engine.store.get<SdkReaderConnection>(ctx.accountId, connectionId);
      const holder = existing?.object.session;
      if (options.failIfInUse && holder && holder !== session.id) {
        const other = await this.engine.store.get<SdkSessionRecord>(ctx.accountId, holder);
        if (
          other &&
          !other.object.ended &&
          other.object.expires_at_ms > ctx.nowMs &&
          other.object.reader === reader.id
        ) {
          throw new SdkError(
            409,
            'reader_in_use',
            `Reader ${reader.id} is connected to another point of sale (fail_if_in_use).`,
          );
        }
      }
      const fresh = await this.engine.store.get<SdkSessionRecord>(ctx.accountId, session.id);
      if (!fresh)
        throw new SdkError(401, 'sdk_session_invalid', 'Invalid or ended SDK session: fetch a new connection token.');
      const connection: SdkReaderConnection = {
        id: connectionId,
        object: 'opentill.sdk_reader_connection',
        created: secondsOf(ctx.nowMs),
        livemode: false,
        reader: reader.id,
        session: session.id,
        connected_at_ms: ctx.nowMs,
      };
      await this.engine.commit(
        ctx,
        [connection, { ...fresh.object, reader: reader.id, simulated }],
        [],
        versionsOf(existing, fresh),
      );
    });
    return reader;
  }

  async disconnect(auth: SdkAuthenticated): Promise<void> {
    const { ctx } = auth;
    await this.engine.retrying(async () => {
      const session = await this.engine.store.get<SdkSessionRecord>(ctx.accountId, auth.session.object.id);
      if (!session?.object.reader) return;
      const connection = await this.engine.store.get<SdkReaderConnection>(
        ctx.accountId,
        `sdkrc_${session.object.reader}`,
      );
      const changed: StoredObject[] = [{ ...session.object, reader: null, simulated: false }];
      if (connection && connection.object.session === session.object.id)
        changed.push({ ...connection.object, session: null });
      await this.engine.commit(ctx, changed, [], versionsOf(session, connection));
    });
  }

  /** The reader this session holds, or `no_established_connection`. */
  async connectedReader(auth: SdkAuthenticated): Promise<{ readerId: string; simulated: boolean; reader: Reader }> {
    const { ctx } = auth;
    const session = (await this.engine.store.get<SdkSessionRecord>(ctx.accountId, auth.session.object.id))?.object;
    const readerId = session?.reader;
    if (readerId) {
      const [connection, reader] = await Promise.all([
        this.engine.store.get<SdkReaderConnection>(ctx.accountId, `sdkrc_${readerId}`),
        this.engine.store.get<Reader>(ctx.accountId, readerId),
      ]);
      // A deleted reader is no connection (the session may connect another one).
      if (connection?.object.session === session.id && reader && reader.object['deleted'] !== true) {
        // A phone's SDK calling is the phone's signal (its presence); a presence write is read back.
        const touched =
          reader.object._internal.link === 'tap_to_pay' && (await this.readers.heardFrom(ctx, reader.object));
        return {
          readerId,
          simulated: session.simulated,
          reader: touched ? (await this.readers.load(ctx, readerId)).object : reader.object,
        };
      }
    }
    throw new SdkError(400, 'no_established_connection', 'No reader is connected: connect to a reader first.');
  }

  // ----------------------------------------------------------------------------------------------
  // State (what the SDK waits on)
  // ----------------------------------------------------------------------------------------------

  async state(auth: SdkAuthenticated): Promise<SdkState> {
    const { ctx } = auth;
    const session = await this.engine.store.get<SdkSessionRecord>(ctx.accountId, auth.session.object.id);
    const readerId = session?.object.reader ?? null;
    const base = { object: 'opentill.sdk_state' as const };
    if (!session || readerId === null) {
      return {
        ...base,
        version: `s${session?.version ?? 0}`,
        connection: 'not_connected',
        disconnect_reason: session?.object.ended ? 'session_ended' : null,
        reader: null,
      };
    }
    const [record, connection] = await Promise.all([
      this.engine.store.get<Reader>(ctx.accountId, readerId),
      this.engine.store.get<SdkReaderConnection>(ctx.accountId, `sdkrc_${readerId}`),
    ]);
    const reader = record && record.object['deleted'] !== true ? this.readers.view(record.object, ctx.nowMs) : null;
    const version = `s${session.version}.r${record?.version ?? 0}.c${connection?.version ?? 0}.${reader?.status ?? 'x'}`;
    let reason: DisconnectReason = null;
    if (session.object.ended) reason = 'session_ended';
    else if (!reader) reason = 'reader_deleted';
    else if (connection?.object.session !== session.object.id) reason = 'taken_over';
    else if (reader.status === 'offline') reason = 'reader_offline';
    const state: SdkState = {
      ...base,
      version,
      connection: reason ? 'not_connected' : 'connected',
      disconnect_reason: reason,
      reader,
    };
    const held = record?.object._internal.held;
    if (held) state.collected_tip_amount = held.tipAmount;
    const action = reader?.action;
    if (action) {
      const sub = (action[action.type] ?? {}) as Record<string, unknown>;
      if (typeof sub['payment_intent'] === 'string' && action.type !== 'refund_payment') {
        state.payment_intent = await this.paymentIntents.retrieve(ctx, sub['payment_intent']).catch(() => null);
      }
      if (typeof sub['setup_intent'] === 'string') {
        state.setup_intent = await this.setupIntents
          .retrieve(ctx, sub['setup_intent'], 'setup_intent')
          .catch(() => null);
      }
      if (typeof sub['refund'] === 'string')
        state.refund = (await this.engine.find(ctx, sub['refund']))?.object ?? null;
    }
    return state;
  }

  /**
   * The long-poll of a phone's SDK is the phone's signal: a state whose phone reader is due a
   * presence write gets it first (so a test clock moved ahead does not show a phone that is polling
   * as offline), then is read again.
   */
  private async heardFromPhone(auth: SdkAuthenticated, state: SdkState): Promise<SdkState> {
    const reader = state.reader;
    if (
      !reader ||
      reader._internal.link !== 'tap_to_pay' ||
      state.disconnect_reason === 'taken_over' ||
      state.disconnect_reason === 'session_ended'
    )
      return state;
    return (await this.readers.heardFrom(auth.ctx, reader)) ? this.state(auth) : state;
  }

  /** The state once its version differs from `after` (or after `waitMs`): the SDK's long-poll. */
  async waitState(
    auth: SdkAuthenticated,
    after: string | null,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<SdkState> {
    const first = await this.heardFromPhone(auth, await this.state(auth));
    if (after === null || first.version !== after || waitMs <= 0) return first;
    const accountId = auth.ctx.accountId;
    const deadline = Date.now() + Math.min(waitMs, sdkStateWaitMsMax);
    let current = first;
    while (current.version === after && Date.now() < deadline && !this.waiters.stopping && !signal?.aborted) {
      const readerId = current.reader?.id ?? null;
      // Also re-read every second: presence changes with time, and other server nodes commit too.
      await this.waiters.wait(
        accountId,
        [auth.session.object.id, ...(readerId ? [readerId, `sdkrc_${readerId}`] : [])],
        Math.min(1000, deadline - Date.now()),
      );
      const ctx = { ...auth.ctx, nowMs: (await this.engine.automaticContext(accountId)).nowMs };
      current = await this.heardFromPhone({ ...auth, ctx }, await this.state({ ...auth, ctx }));
    }
    return current;
  }

  // ----------------------------------------------------------------------------------------------
  // Reader actions, through TerminalReaders (the server-driven path)
  // ----------------------------------------------------------------------------------------------

  /**
   * The PaymentIntent a session may act on, named by its client secret — what the merchant's
   * backend hands its point of sale, as Stripe's SDKs retrieve a PaymentIntent — and within the
   * session's Location scope (`checkChargeInScope`). An id alone reaches nothing (docs/sdk.md).
   */
  async reachablePaymentIntent(auth: SdkAuthenticated, clientSecret: string): Promise<PaymentIntent> {
    const id = intentIdOfClientSecret(clientSecret) ?? '';
    const found = id.startsWith('pi_') ? await this.engine.find<PaymentIntent>(auth.ctx, id) : null;
    if (!found || found.object.object !== 'payment_intent' || !sameSecret(found.object.client_secret, clientSecret)) {
      throw new SdkError(400, 'invalid_payment_intent_client_secret', 'No PaymentIntent has this client secret.');
    }
    if (found.object.latest_charge) {
      this.checkChargeInScope(
        auth,
        (await this.engine.find(auth.ctx, found.object.latest_charge))?.object ?? null,
        `PaymentIntent ${found.object.id}`,
      );
    }
    return found.object;
  }

  /**
   * A session whose connection token names a Location reaches only what its readers do: a charge
   * made at a reader of another Location (its `payment_method_details.<type>.location`) is out of
   * its scope. A session without a Location is account-wide, as its token is.
   */
  private checkChargeInScope(auth: SdkAuthenticated, charge: StoredObject | null, what: string): void {
    const scope = auth.session.object.location;
    if (scope === null || charge === null) return;
    const details = charge['payment_method_details'] as Record<string, unknown> | null | undefined;
    const typed = details?.[String(details['type'])] as { location?: unknown } | undefined;
    const location = typeof typed?.location === 'string' ? typed.location : null;
    if (location !== null && location !== scope) {
      throw new SdkError(
        403,
        'location_out_of_scope',
        `${what} was processed at a reader of another Location: this connection token is scoped to Location ${scope}.`,
      );
    }
  }

  /** collectPaymentMethod: the reader's collect_payment_method action (simulated: the card is presented at once). */
  async collectPaymentMethod(
    auth: SdkAuthenticated,
    clientSecret: string,
    collectConfig: Record<string, unknown>,
    paymentIntentId: string | undefined,
    simulated: SimulatedBehaviour,
  ): Promise<SdkState> {
    const { ctx } = auth;
    const { readerId, simulated: isSimulated, reader } = await this.connectedReader(auth);
    const paymentIntent = await this.reachablePaymentIntent(auth, clientSecret);
    if (paymentIntentId !== undefined && paymentIntentId !== paymentIntent.id) {
      throw new SdkError(
        400,
        'invalid_argument',
        `config_override.payment_intent_id (${paymentIntentId.slice(0, 60)}) is not the PaymentIntent of this client secret.`,
      );
    }
    if (paymentIntent.status === 'requires_confirmation' && reader._internal.link === 'tap_to_pay') {
      // A Tap to Pay phone retrying after a transient failure (the seed's requires_confirmation row):
      // the reader no longer holds the card, so the phone reads the card it kept again.
      await this.paymentIntents.update(ctx, paymentIntent.id, { paymentMethod: null, fields: {} });
    }
    await this.readers.collectPaymentMethod(
      ctx,
      readerId,
      paymentIntent.id,
      Object.keys(collectConfig).length > 0 ? collectConfig : undefined,
    );
    if (isSimulated) await this.present(auth, readerId, simulated);
    return this.state(auth);
  }

  /** processPayment: confirm_payment_intent on the reader that collected the card. */
  async processPayment(
    auth: SdkAuthenticated,
    paymentIntentId: string,
    confirmConfig: Record<string, unknown>,
    simulated: SimulatedBehaviour,
    pin: string | null = null,
  ): Promise<SdkState> {
    const { ctx } = auth;
    const { readerId, simulated: isSimulated } = await this.connectedReader(auth);
    const paymentIntent = await this.engine.find<PaymentIntent>(ctx, paymentIntentId);
    if (!paymentIntent || paymentIntent.object.object !== 'payment_intent') {
      throw new SdkError(400, 'invalid_argument', `No such PaymentIntent: '${paymentIntentId.slice(0, 60)}'.`);
    }
    const onReader = (await this.readers.load(ctx, readerId)).object;
    const held = onReader._internal.held;
    const action = onReader.action
      ? (onReader.action[onReader.action.type] as Record<string, unknown> | undefined)
      : undefined;
    // Only the PaymentIntent this session's reader collected (or is processing) can be processed
    // here: an id alone reaches nothing.
    if (held?.paymentIntent !== paymentIntentId && action?.['payment_intent'] !== paymentIntentId) {
      throw new SdkError(
        400,
        'invalid_argument',
        `PaymentIntent ${paymentIntentId.slice(0, 60)} was not collected on this session's reader: call collectPaymentMethod first.`,
      );
    }
    if (
      isSimulated &&
      paymentIntent.object.status === 'requires_confirmation' &&
      held?.paymentIntent !== paymentIntentId
    ) {
      // A retry after a transient failure (the seed's requires_confirmation row): the reader no longer
      // holds the card, so the simulated reader reads the simulator's card again before confirming.
      await this.paymentIntents.update(ctx, paymentIntentId, { paymentMethod: null, fields: {} });
      await this.readers.collectPaymentMethod(ctx, readerId, paymentIntentId, undefined);
      await this.present(auth, readerId, simulated);
    }
    // A PIN typed on a Tap to Pay phone goes with this authorization only (never stored).
    await this.readers.confirmPaymentIntent(
      ctx,
      readerId,
      paymentIntentId,
      Object.keys(confirmConfig).length > 0 ? confirmConfig : undefined,
      pin === null ? null : { pin, upfront: true },
    );
    return this.state(auth);
  }

  async collectSetupIntent(
    auth: SdkAuthenticated,
    clientSecret: string,
    allowRedisplay: string,
    processConfig: Record<string, unknown>,
    simulated: SimulatedBehaviour,
  ): Promise<SdkState> {
    const { ctx } = auth;
    const { readerId, simulated: isSimulated } = await this.connectedReader(auth);
    const id = intentIdOfClientSecret(clientSecret) ?? '';
    const found = id.startsWith('seti_') ? await this.engine.find(ctx, id) : null;
    if (
      !found ||
      found.object.object !== 'setup_intent' ||
      !sameSecret(String(found.object['client_secret']), clientSecret)
    ) {
      throw new SdkError(400, 'invalid_argument', 'No SetupIntent has this client secret.');
    }
    await this.readers.processSetupIntent(
      ctx,
      readerId,
      id,
      allowRedisplay,
      Object.keys(processConfig).length > 0 ? processConfig : undefined,
    );
    if (isSimulated) await this.present(auth, readerId, simulated);
    return this.state(auth);
  }

  async collectRefund(
    auth: SdkAuthenticated,
    command: {
      charge: string;
      amount: number;
      currency: string;
      reverseTransfer?: boolean;
      refundApplicationFee?: boolean;
      config: Record<string, unknown>;
    },
    simulated: SimulatedBehaviour,
  ): Promise<SdkState> {
    const { ctx } = auth;
    const { readerId, simulated: isSimulated } = await this.connectedReader(auth);
    const charge = await this.engine.find(ctx, command.charge);
    if (!charge || charge.object.object !== 'charge') {
      throw new SdkError(400, 'invalid_argument', `No such charge: '${command.charge.slice(0, 60)}'.`);
    }
    this.checkChargeInScope(auth, charge.object, `Charge ${charge.object.id}`);
    if (String(charge.object['currency']) !== command.currency.toLowerCase()) {
      throw new SdkError(
        400,
        'invalid_argument',
        `The currency (${command.currency.slice(0, 10)}) is not the charge's currency (${String(charge.object['currency'])}).`,
      );
    }
    await this.readers.refundPayment(ctx, readerId, {
      charge: command.charge,
      amount: command.amount,
      ...(command.reverseTransfer !== undefined ? { reverseTransfer: command.reverseTransfer } : {}),
      ...(command.refundApplicationFee !== undefined ? { refundApplicationFee: command.refundApplicationFee } : {}),
      ...(Object.keys(command.config).length > 0 ? { config: command.config } : {}),
    });
    if (isSimulated) await this.present(auth, readerId, simulated);
    return this.state(auth);
  }

  async setReaderDisplay(
    auth: SdkAuthenticated,
    cart: {
      currency: string;
      line_items: Array<{ amount: number; description: string; quantity: number }>;
      tax: number | null;
      total: number;
    },
  ): Promise<SdkState> {
    const { readerId } = await this.connectedReader(auth);
    await this.readers.setReaderDisplay(auth.ctx, readerId, cart);
    return this.state(auth);
  }

  async collectInputs(
    auth: SdkAuthenticated,
    inputs: Array<Record<string, unknown>>,
    simulated: SimulatedBehaviour,
  ): Promise<SdkState> {
    const { readerId, simulated: isSimulated } = await this.connectedReader(auth);
    await this.readers.collectInputs(auth.ctx, readerId, inputs, null);
    if (isSimulated) {
      if (simulated.inputs === 'timeout') await this.readers.timeoutInputCollection(auth.ctx, readerId);
      else await this.readers.succeedInputCollection(auth.ctx, readerId, simulated.inputs === 'succeeded_skip_all');
    }
    return this.state(auth);
  }

  /** Cancels the reader's current action (cancel_action); a reader with nothing to cancel is left alone. */
  async cancel(auth: SdkAuthenticated): Promise<SdkState> {
    const { readerId } = await this.connectedReader(auth);
    const reader = await this.readers.retrieve(auth.ctx, readerId);
    if (reader.action !== null) await this.readers.cancelAction(auth.ctx, readerId);
    return this.state(auth);
  }

  /** A simulated reader presents the simulator's card (the test helper's device-side path). */
  private async present(auth: SdkAuthenticated, readerId: string, simulated: SimulatedBehaviour): Promise<void> {
    try {
      await this.readers.presentPaymentMethod(auth.ctx, readerId, simulated.read, simulated.tipAmount);
    } catch (error) {
      // The action stays waiting (e.g. the reader went silent): the SDK sees it in the state.
      if (!(error instanceof ApiError)) throw error;
    }
  }
}
