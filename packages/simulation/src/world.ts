/**
 * The simulated world: one OpenTill server process at a time (an "incarnation": store adapter,
 * engine, services, Fastify app, webhook dispatcher), a clock that moves only when the simulator
 * says so, seeded ids, and a database that outlives the process.
 *
 * The crash model. The durable state is the committed SQLite database. A process dies at a point
 * the workload chose (before its k-th store write, or right after its k-th successful commit): at
 * that instant the committed database is copied (`SqliteStore.serialize()` — writes still queued
 * for the next group commit are not in it, as they would not survive a real crash) and every later
 * store call of that incarnation, and every answer to one it had issued, never returns: its code
 * stops where it stands, like a killed process. Nothing of its memory is reused; the next
 * incarnation is built from the copy, exactly as a restarted server opens the file.
 */
import {
  ManualClock,
  WebhookDispatcher,
  createAccount,
  createServices,
  type IdSource,
  type Services,
  type Store,
} from '@opentill/engine';
import { SimulatedProcessor } from '@opentill/processor-simulated';
import { SqliteStore } from '@opentill/store-sqlite';
import { attachEdge, restartRequestIds } from './edge.js';
import type { Random } from './random.js';
import type { Receivers } from './receivers.js';

/** When the current process dies, counted in store calls from the moment the fault is armed. */
export type CrashPlan = { kind: 'before_write'; writesLeft: number } | { kind: 'after_commit'; commitsLeft: number };

/** Store calls that only read: never a crash point. Every other call is a write. */
const reads = new Set([
  'get',
  'getText',
  'list',
  'due',
  'getAccount',
  'listAccounts',
  'findApiKey',
  'setting',
  'deliveries',
  'attempts',
  'undeliveredEvents',
  'lastSuccessMs',
  'subscribe',
  'migrate',
]);

/** Seeded ids: Stripe-looking, drawn from the run's generator (never collide across incarnations). */
export class SeededIds implements IdSource {
  constructor(private readonly random: Random) {}
  next(prefix: string): string {
    return `${prefix}_${this.random.text(24)}`;
  }
  secret(length: number): string {
    return this.random.text(length);
  }
}

let migrated: Promise<Buffer> | null = null;

/** A migrated, empty database, made once per test process (migrating costs more than a seed's requests). */
function emptyDatabase(): Promise<Buffer> {
  return (migrated ??= (async () => {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    const bytes = store.serialize();
    await store.close();
    return bytes;
  })());
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** One server process: everything in it dies together. */
export class Incarnation {
  readonly services: Services;
  readonly dispatcher: WebhookDispatcher;
  readonly store: Store;
  dead = false;
  /** The committed database at the instant of death. */
  snapshot: Buffer | null = null;
  /** Resolves when this process dies (everything still waiting on it is then unanswered). */
  readonly died: Promise<void>;
  private markDied!: () => void;

  constructor(
    readonly number: number,
    private readonly raw: SqliteStore,
    private readonly world: World,
  ) {
    this.died = new Promise((resolve) => {
      this.markDied = resolve;
    });
    this.store = this.guard(raw, '');
    this.services = createServices({
      store: this.store,
      processor: new SimulatedProcessor({ fingerprintKey: world.fingerprintKey }),
      clock: world.clock,
      ids: world.ids,
    });
    this.services.webhookEndpoints.configure({ allowPrivate: true });
    attachEdge(this.services.engine);
    this.dispatcher = new WebhookDispatcher(this.services.engine, {
      schedule: world.retrySchedule,
      sender: world.receivers.sender(),
      endpoints: this.services.webhookEndpoints,
      node: `node_sim${number}`,
      random: () => world.random.unit(),
      leaseMs: 30_000,
      concurrencyMax: 8,
      onError: (error) => {
        if (!this.dead) world.errors.push(`dispatcher error: process ${number}: ${String(error)}`);
      },
    });
  }

  /** Kills the process now (idempotent). */
  die(): void {
    if (this.dead) return;
    this.dead = true;
    this.snapshot = this.raw.serialize();
    this.markDied();
  }

  /** A clean stop at the end of a run, with nothing in flight. */
  async stop(): Promise<void> {
    this.dead = true;
    this.markDied();
    await this.raw.close();
  }

  /** Committed state of a live process (a clean stop between steps, or the audit). */
  serialize(): Buffer {
    return this.raw.serialize();
  }

  /** `promise`, or 'lost' if the process dies first (its answer never reaches anyone). */
  async unlessDead<T>(promise: Promise<T>): Promise<{ lost: false; value: T } | { lost: true }> {
    if (this.dead) return { lost: true };
    return Promise.race([
      promise.then((value) => ({ lost: false as const, value })),
      this.died.then(() => ({ lost: true as const })),
    ]);
  }

  /** Wraps the store (and its `idempotency` and `outbox` parts) with the crash points. */
  private guard<T extends object>(target: T, path: string): T {
    return new Proxy(target, {
      get: (object, property) => {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value === 'function') {
          const name = String(property);
          return (...args: unknown[]) =>
            this.call(`${path}${name}`, () => (value as (...a: unknown[]) => unknown).apply(object, args));
        }
        if ((property === 'idempotency' || property === 'outbox') && typeof value === 'object' && value !== null) {
          return this.guard(value, `${property}.`);
        }
        return value;
      },
    });
  }

  private call(name: string, run: () => unknown): unknown {
    if (this.dead) return never();
    const plan = this.world.crashPlan;
    const write = !reads.has(name.replace(/^(idempotency|outbox)\./, ''));
    if (write && plan?.kind === 'before_write' && --plan.writesLeft <= 0) {
      this.world.crashPlan = null;
      this.world.note(`crash before ${name}`);
      this.die();
      return never();
    }
    const result = run();
    if (!(result instanceof Promise)) return result;
    return result.then(
      (value: unknown) => {
        if (this.dead) return never();
        const current = this.world.crashPlan;
        if (
          name === 'commit' &&
          current?.kind === 'after_commit' &&
          (value as { ok?: boolean }).ok === true &&
          --current.commitsLeft <= 0
        ) {
          this.world.crashPlan = null;
          this.world.note('crash after commit');
          this.die();
          return never();
        }
        return value;
      },
      (error: unknown) => (this.dead ? never() : Promise.reject(error)),
    );
  }
}

export interface WorldOptions {
  random: Random;
  receivers: Receivers;
  retrySchedule: ConstructorParameters<typeof WebhookDispatcher>[1]['schedule'];
  startMs: number;
  /** Appended to the run's trace (what happened, for a failing seed's report). */
  note: (line: string) => void;
}

export class World {
  readonly clock: ManualClock;
  readonly ids: IdSource;
  readonly random: Random;
  readonly receivers: Receivers;
  readonly retrySchedule: WorldOptions['retrySchedule'];
  readonly fingerprintKey = 'simulated-fingerprint-key';
  readonly note: (line: string) => void;
  crashPlan: CrashPlan | null = null;
  /** Errors a live process reported by itself (the dispatcher's): each one a violation. */
  readonly errors: string[] = [];
  process!: Incarnation;
  incarnations = 0;
  secretKey = '';

  constructor(options: WorldOptions) {
    this.clock = new ManualClock(options.startMs);
    this.random = options.random;
    this.ids = new SeededIds(options.random);
    this.receivers = options.receivers;
    this.retrySchedule = options.retrySchedule;
    this.note = options.note;
  }

  /** A fresh database with one account; the first process. */
  async boot(): Promise<void> {
    restartRequestIds();
    const raw = new SqliteStore(await emptyDatabase());
    const created = await createAccount(raw, this.ids, this.clock);
    this.secretKey = created.secretKey;
    this.process = new Incarnation((this.incarnations += 1), raw, this);
  }

  /** Ends the run: the live process stops (its database is closed; dead ones are left to the collector). */
  async close(): Promise<void> {
    if (!this.process.dead) await this.process.stop();
  }

  /** After a death: a new process on the committed database. */
  async restart(): Promise<void> {
    const snapshot = this.process.snapshot ?? this.process.serialize();
    const raw = new SqliteStore(snapshot);
    await raw.migrate();
    this.crashPlan = null;
    this.process = new Incarnation((this.incarnations += 1), raw, this);
    this.note(`restart as process ${this.process.number}`);
  }
}
