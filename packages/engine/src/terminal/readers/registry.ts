/** Readers' registration (simulated codes and gateway pairing codes) and CRUD. */
import { ApiError, buildReader, terminalErrors, type Metadata, type Reader } from '@opentill/core';
import { versionsOf, type RequestContext } from '../../engine.js';
import { kinds } from '../../kinds.js';
import { ReaderPart } from './part.js';

/** Registration codes of simulated readers (docs/terminal.md, Readers; the last four are OpenTill's own guesses). */
export const simulatedRegistrationCodes: Readonly<Record<string, string>> = {
  'simulated-wpe': 'simulated_wisepos_e',
  'simulated-s700': 'simulated_stripe_s700',
  'simulated-s710': 'simulated_stripe_s710',
  'simulated-v660p': 'simulated_verifone_v660p',
  'simulated-t600': 'simulated_stripe_t600',
  'simulated-m425': 'simulated_verifone_m425',
  'simulated-p630': 'simulated_verifone_p630',
  'simulated-ux700': 'simulated_verifone_ux700',
};

export class ReaderRegistry extends ReaderPart {
  async register(
    ctx: RequestContext,
    command: {
      registrationCode: string;
      label?: string;
      location?: string;
      metadata: Metadata;
    },
  ): Promise<Reader> {
    const deviceType = simulatedRegistrationCodes[command.registrationCode];
    if (!deviceType) return this.registerPaired(ctx, command);
    if (command.location === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: location.', { param: 'location' });
    }
    await this.engine.load(ctx, kinds.terminalLocation, command.location);
    const secret = this.engine.ids.secret(12).toLowerCase();
    const serial = `${command.registrationCode}-${secret.slice(0, 3)}-${secret.slice(3, 6)}-${secret.slice(6, 8)}-${secret.slice(8, 11)}`;
    const reader = buildReader(
      {
        id: this.engine.ids.next('tmr'),
        deviceType,
        label: command.label ?? serial,
        location: command.location,
        metadata: command.metadata,
        serialNumber: serial,
        deviceSwVersion: '',
        ipAddress: '0.0.0.0',
        link: 'simulated',
      },
      ctx.nowMs,
    );
    await this.engine.commit(ctx, [reader], [], new Map());
    return this.view(reader, ctx.nowMs);
  }

  /**
   * Registration with a code a device got by pairing over the gateway (docs/reader-protocol.md), on
   * any node (docs/cluster.md, Pairing): the reader is bound to that adapter, and the device receives
   * its credentials (a reader secret, stored here only as a SHA-256 hash).
   */
  private async registerPaired(
    ctx: RequestContext,
    command: {
      registrationCode: string;
      label?: string;
      location?: string;
      metadata: Metadata;
    },
  ): Promise<Reader> {
    if (command.location === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: location.', { param: 'location' });
    }
    await this.engine.load(ctx, kinds.terminalLocation, command.location);
    const id = this.engine.ids.next('tmr');
    const pending = await this.links.claimRegistration(command.registrationCode.trim().toLowerCase(), {
      accountId: ctx.accountId,
      readerId: id,
      nowMs: ctx.nowMs,
    });
    if (!pending) {
      throw new ApiError(
        'invalid_request_body',
        `The registration code '${command.registrationCode.slice(0, 60)}' is not valid. Use the code shown by a reader ` +
          `waiting to pair (it expires after a few minutes), or in test mode one of ` +
          `${Object.keys(simulatedRegistrationCodes).join(', ')} to register a simulated reader.`,
        { param: 'registration_code' },
      );
    }
    const reader = buildReader(
      {
        id,
        deviceType: pending.deviceType,
        label: command.label ?? pending.serialNumber,
        location: command.location,
        metadata: command.metadata,
        serialNumber: pending.serialNumber,
        deviceSwVersion: pending.deviceSwVersion,
        ipAddress: pending.ipAddress,
        link: pending.link,
      },
      ctx.nowMs,
    );
    // The device's secret stays with the node it waits on: the reader keeps only its SHA-256.
    reader._internal = { ...reader._internal, secretSha256: pending.secretSha256 };
    await this.engine.commit(ctx, [reader], [], new Map());
    await pending.complete();
    return this.view(reader, ctx.nowMs);
  }

  async retrieve(ctx: RequestContext, id: string): Promise<Reader> {
    return this.view((await this.load(ctx, id)).object, ctx.nowMs);
  }

  async update(
    ctx: RequestContext,
    id: string,
    command: { label?: string | null; metadataPatch?: (m: Metadata) => Metadata },
  ): Promise<Reader> {
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const next: Reader = { ...record.object };
      if (command.label !== undefined) next.label = command.label ?? next.serial_number;
      if (command.metadataPatch) next.metadata = command.metadataPatch(next.metadata);
      await this.engine.commit(ctx, [next], [], versionsOf(record));
      return this.view(next, ctx.nowMs);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const reader = record.object;
      if (reader._internal.stage === 'authorizing') throw terminalErrors.busy();
      await this.engine.commit(ctx, [{ ...reader, deleted: true }], [], versionsOf(record), new Map([[id, null]]));
      return {
        id,
        object: 'terminal.reader',
        deleted: true,
        device_type: reader.device_type,
        serial_number: reader.serial_number,
      };
    });
  }
}
