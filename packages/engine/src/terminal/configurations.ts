/** Terminal Configurations and the account default; effective configuration of a reader. */
import {
  ApiError,
  createConfiguration,
  updateConfiguration,
  type Configuration,
  type ConfigurationChanges,
  type Location,
  type Reader,
} from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import { kinds } from '../kinds.js';

export class TerminalConfigurations {
  constructor(private readonly engine: Engine) {}

  /** The account default configuration, made on first use. */
  async accountDefault(ctx: RequestContext): Promise<Configuration> {
    const found = await this.engine.store.list<Configuration>({
      accountId: ctx.accountId,
      type: 'terminal.configuration',
      limit: 1,
      filters: [
        { field: 'is_account_default', op: 'eq', value: true },
        { field: 'deleted', op: 'eq', value: null },
      ],
    });
    if (found.data[0]) return found.data[0];
    const created = createConfiguration(this.engine.ids.next('tmc'), {}, true, ctx.nowMs);
    await this.engine.commit(ctx, [created], [], new Map());
    return created;
  }

  async create(ctx: RequestContext, changes: ConfigurationChanges): Promise<Configuration> {
    await this.accountDefault(ctx);
    const configuration = createConfiguration(this.engine.ids.next('tmc'), changes, false, ctx.nowMs);
    await this.engine.commit(ctx, [configuration], [], new Map());
    return configuration;
  }

  async retrieve(ctx: RequestContext, id: string): Promise<Configuration> {
    return (await this.engine.load(ctx, kinds.terminalConfiguration, id)).object;
  }

  async update(ctx: RequestContext, id: string, changes: ConfigurationChanges): Promise<Configuration> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.terminalConfiguration, id);
      const next = updateConfiguration(record.object, changes);
      await this.engine.commit(ctx, [next], [], versionsOf(record));
      return next;
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: string; deleted: true }> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.terminalConfiguration, id);
      if (record.object.is_account_default) {
        throw new ApiError('invalid_request_body', 'The account default configuration cannot be deleted.', {
          param: 'configuration',
        });
      }
      await this.engine.commit(ctx, [{ ...record.object, deleted: true }], [], versionsOf(record));
      return { id, object: 'terminal.configuration', deleted: true as const };
    });
  }

  /** What a reader runs with: its Location's override, or the account default. */
  async effectiveFor(ctx: RequestContext, reader: Reader): Promise<Configuration> {
    const location = reader.location ? await this.engine.find<Location>(ctx, reader.location) : null;
    const override = location?.object.configuration_overrides;
    if (override) {
      const configuration = await this.engine.find<Configuration>(ctx, override);
      if (configuration && configuration.object['deleted'] !== true) return configuration.object;
    }
    return this.accountDefault(ctx);
  }
}
