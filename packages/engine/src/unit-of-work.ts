/**
 * A unit of work: what one attempt of a command loaded (and at which version), and what it changes,
 * committed once. It replaces handing `engine.commit` the changed objects, the events, a version map
 * and a deadline map merged by hand: loads remember their versions, and a `Transition` brings its
 * own deadlines.
 */
import type { DomainEvent, StoredObject, Transition } from '@opentill/core';
import type { AlongsideWrites, Engine, RequestContext } from './engine.js';
import type { CommitOutcome } from './idempotency.js';
import type { Kind } from './kinds.js';
import type { StoredRecord } from './store.js';

export class UnitOfWork {
  private readonly versions = new Map<string, number>();
  private readonly changed: StoredObject[] = [];
  private readonly events: DomainEvent[] = [];
  private readonly deadlines = new Map<string, number | null>();
  private readonly alongside: AlongsideWrites[] = [];

  constructor(
    private readonly engine: Engine,
    readonly ctx: RequestContext,
  ) {}

  /** Loads an object (or answers `resource_missing`) and remembers the version it was read at. */
  async load<T extends StoredObject>(kind: Kind<T>, id: string, param?: string): Promise<T> {
    return this.adopt(await this.engine.load(this.ctx, kind, id, param));
  }

  /** The object with this id if there is one (any kind), remembered like `load`'s. */
  async find<T extends StoredObject>(id: string | null | undefined): Promise<T | null> {
    const record = await this.engine.find<T>(this.ctx, id);
    return record ? this.adopt(record) : null;
  }

  /** A record read by other means, remembered at its version: committing a change to it checks that version. */
  adopt<T extends StoredObject>(record: StoredRecord<T>): T {
    this.versions.set(record.object.id, record.version);
    return record.object;
  }

  /** Adds a transition's changed objects, events and deadlines to what commits. */
  record(transition: Transition): this {
    this.changed.push(...transition.changed);
    this.events.push(...transition.events);
    for (const [id, deadline] of transition.deadlines ?? []) this.deadlines.set(id, deadline);
    return this;
  }

  /** Changed objects with no domain event (settings, a scheduler deadline moved), with their deadlines. */
  put(objects: StoredObject[], deadlines: Iterable<[string, number | null]> = []): this {
    return this.record({ changed: objects, events: [], deadlines: new Map(deadlines) });
  }

  /** Other accounts' new objects and events, in the same transaction (Connect). */
  alongsideOf(writes: AlongsideWrites): this {
    this.alongside.push(writes);
    return this;
  }

  get isEmpty(): boolean {
    return this.changed.length === 0 && this.events.length === 0;
  }

  /**
   * Commits everything recorded in one transaction (Conflict when another writer changed an object
   * since it was loaded). `outcome`: what follows the commit for the idempotency key (docs/idempotency.md).
   */
  commit(outcome?: CommitOutcome): Promise<StoredObject[]> {
    return this.engine.commit(
      this.ctx,
      this.changed,
      this.events,
      this.versions,
      this.deadlines,
      outcome,
      this.alongside,
    );
  }
}
