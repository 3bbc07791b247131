/** Terminal Locations: CRUD over `terminal.location` documents. */
import {
  ApiError,
  createLocation,
  updateLocation,
  type Location,
  type LocationFields,
  type Metadata,
} from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import { kinds } from '../kinds.js';

export class TerminalLocations {
  constructor(private readonly engine: Engine) {}

  async create(ctx: RequestContext, fields: LocationFields): Promise<Location> {
    if (fields.configuration_overrides) await this.checkConfiguration(ctx, fields.configuration_overrides);
    const location = createLocation(this.engine.ids.next('tml'), fields, ctx.nowMs);
    await this.engine.commit(ctx, [location], [], new Map());
    return location;
  }

  async retrieve(ctx: RequestContext, id: string, param = 'id'): Promise<Location> {
    return (await this.engine.load(ctx, kinds.terminalLocation, id, param)).object;
  }

  async update(
    ctx: RequestContext,
    id: string,
    fields: Omit<LocationFields, 'metadata'> & {
      metadataPatch?: (m: Metadata) => Metadata;
    },
  ): Promise<Location> {
    if (fields.configuration_overrides) await this.checkConfiguration(ctx, fields.configuration_overrides);
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.terminalLocation, id, 'id');
      const { metadataPatch, ...rest } = fields;
      const next = updateLocation(record.object, {
        ...rest,
        ...(metadataPatch ? { metadata: metadataPatch(record.object.metadata) } : {}),
      });
      await this.engine.commit(ctx, [next], [], versionsOf(record));
      return next;
    });
  }

  /** Deleting keeps the document (marked `deleted`) so ids stay unique; readers must be moved first. */
  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: string; deleted: true }> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.terminalLocation, id, 'id');
      const readers = await this.engine.store.list({
        accountId: ctx.accountId,
        type: 'terminal.reader',
        limit: 1,
        filters: [
          { field: 'location', op: 'eq', value: id },
          { field: 'deleted', op: 'eq', value: null },
        ],
      });
      if (readers.data.length > 0) {
        throw new ApiError(
          'invalid_request_body',
          `This Location still has readers registered to it (e.g. ${readers.data[0]!.id}). Delete those readers first.`,
          { param: 'id' },
        );
      }
      await this.engine.commit(ctx, [{ ...record.object, deleted: true }], [], versionsOf(record));
      return { id, object: 'terminal.location', deleted: true as const };
    });
  }

  private async checkConfiguration(ctx: RequestContext, id: string): Promise<void> {
    await this.engine.load(ctx, kinds.terminalConfiguration, id, 'configuration_overrides');
  }
}
