/**
 * Bluetooth and USB readers of the mobile SDK (docs/tap-to-pay-sdk.md, "Bluetooth and USB readers
 * run beside the SDK"). Such a reader is a device the phone holds: the one reader device state
 * machine (`@opentill/reader-device`) runs in the SDK's process, and the SDK relays between it and
 * the server, as the WebSocket gateway does for smart readers:
 *
 * - `register`: the SDK session that found the reader registers it (or finds it again by serial
 *   number) at the Location, with `_internal.link: "sdk_device"`, and becomes its **host**: only
 *   that session may speak for the device. The POS side then connects it like any reader.
 * - `command`: the device's long-poll — the reader's current action as the device is told it
 *   (`ReaderDevices.describe`) and where it stands (`serverActionStatus`). Each poll is the
 *   device's signal (its presence), as a gateway heartbeat is.
 * - `report`: what the customer did at the device (`DeviceEvent`: the card read, its PIN, a
 *   cancel, inputs, the card taken back), through `ReaderDevices.applyEvent` — the path of every
 *   other reader.
 *
 * Stored: `opentill.sdk_device` (`sdkdev_<hash>`): which reader a serial number of this account is,
 * so two first connections of one reader at once cannot register it twice.
 */
import { createHash } from 'node:crypto';
import {
  ApiError,
  buildReader,
  readerStatusAt,
  secondsOf,
  type Location,
  type Reader,
  type StoredObject,
} from '@opentill/core';
import { FrameError, parseDeviceEvent, testPin, type DeviceAction, type DeviceEvent } from '@opentill/reader-device';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import {
  deviceActionId,
  serverActionStatus,
  type ReaderDevices,
  type ServerActionStatus,
} from '../terminal/reader-devices.js';
import { SimulatedReaderLink, type Presence } from '../terminal/reader-link.js';
import type { TerminalReaders } from '../terminal/readers/index.js';
import { CommitWaiters } from './commit-waiters.js';
import { SdkError, type SdkAuthenticated } from './sessions.js';

export const sdkDeviceLink = 'sdk_device';

/** The device types an SDK may bring (React Native's Bluetooth and USB readers). */
export const sdkDeviceTypes = ['stripe_m2', 'bbpos_chipper2x', 'bbpos_wisepad3', 'stripe_s700'] as const;
export type SdkDeviceType = (typeof sdkDeviceTypes)[number];

/** What the reader document keeps about its host (off the API object). */
export interface SdkDeviceHost {
  /** The SDK session the device reports through. */
  session: string;
  simulated: boolean;
}

interface SdkDeviceRecord extends StoredObject {
  object: 'opentill.sdk_device';
  serial_number: string;
  reader: string;
}

export interface SdkDeviceRegistration {
  location: string;
  deviceType: SdkDeviceType;
  serialNumber: string;
  deviceSwVersion: string;
  label: string;
  simulated: boolean;
}

/** The device's view of its reader: the action to show and how it stands on the server. */
export interface SdkDeviceCommand {
  object: 'opentill.sdk_device_command';
  /** Changes whenever what the device must show changes (long-poll cursor). */
  version: string;
  reader: string;
  action: DeviceAction | null;
  status: ServerActionStatus | null;
}

/** A long-poll of the device waits at most this long. */
export const sdkDeviceWaitMsMax = 30_000;

const refused = (status: number, code: string, reason: string, message: string, field?: string) =>
  new SdkError(status, code, message, { reason, ...(field ? { field } : {}) });

export function sdkDeviceHostOf(reader: Reader): SdkDeviceHost | null {
  const host = reader._internal.sdkDevice;
  return reader._internal.link === sdkDeviceLink && host ? host : null;
}

/**
 * The reader port for devices beside a mobile SDK. Like a Tap to Pay phone, it learns its actions
 * from what it polls, so delivery is immediate, and its polls are its signals (online while the SDK
 * runs, offline two minutes after it stops; fault injection silences it at once). A PIN it reads
 * goes with its card read; one asked during a later confirmation is the simulated cardholder's
 * test PIN, as for the server's simulated readers (a real device would prompt again).
 */
export class SdkDeviceReaderLink extends SimulatedReaderLink {
  override readonly name = sdkDeviceLink;

  /** Online while its SDK polls (`TerminalReaders.heardFrom`): the 2-minute rule on `last_seen_at`, as a phone. */
  override presence(reader: Reader, nowMs: number): Presence {
    const online = !reader._internal.offline && readerStatusAt(reader.last_seen_at, nowMs) === 'online';
    return { online, lastSeenAtMs: reader.last_seen_at };
  }

  /** The PIN typed on the device's pad, else (a simulated customer) the test PIN. */
  override pinOnRequest(reader: Reader, typed: string | null): string | null {
    return typed ?? (sdkDeviceHostOf(reader)?.simulated ? testPin : null);
  }
}

export class SdkDevices {
  /** A device's long-poll waits on its reader document only. */
  private readonly waiters: CommitWaiters;

  constructor(
    private readonly engine: Engine,
    private readonly readers: TerminalReaders,
    private readonly devices: ReaderDevices,
  ) {
    this.waiters = new CommitWaiters(engine);
  }

  shutdown(): void {
    this.waiters.shutdown();
  }

  /** Registers (or finds again) the reader of this serial number at the Location; this session hosts it. */
  async register(auth: SdkAuthenticated, command: SdkDeviceRegistration): Promise<Reader> {
    const { ctx } = auth;
    const location = await this.location(auth, command.location);
    const recordId = `sdkdev_${createHash('sha256').update(`${ctx.accountId}/${command.serialNumber}`).digest('hex').slice(0, 32)}`;
    const host: SdkDeviceHost = { session: auth.session.object.id, simulated: command.simulated };
    return this.engine.retrying(async () => {
      const known = await this.engine.store.get<SdkDeviceRecord>(ctx.accountId, recordId);
      const existing = known ? await this.engine.store.get<Reader>(ctx.accountId, known.object.reader) : null;
      if (existing && existing.object['deleted'] !== true) {
        if (existing.object.device_type !== command.deviceType) {
          throw refused(
            400,
            'INVALID_REQUIRED_PARAMETER',
            'device_type_mismatch',
            `Serial number ${command.serialNumber} is a ${existing.object.device_type}, not a ${command.deviceType}.`,
            'device_type',
          );
        }
        const next: Reader = {
          ...existing.object,
          location: location.id,
          device_sw_version: command.deviceSwVersion,
          status: existing.object._internal.offline ? existing.object.status : 'online',
          last_seen_at: existing.object._internal.offline ? existing.object.last_seen_at : ctx.nowMs,
          _internal: { ...existing.object._internal, sdkDevice: host },
        };
        await this.engine.commit(ctx, [next], [], versionsOf(existing));
        return next;
      }
      const built = buildReader(
        {
          id: this.engine.ids.next('tmr'),
          deviceType: command.deviceType,
          label: command.label,
          location: location.id,
          metadata: {},
          serialNumber: command.serialNumber,
          deviceSwVersion: command.deviceSwVersion,
          ipAddress: '0.0.0.0',
          link: sdkDeviceLink,
        },
        ctx.nowMs,
      );
      const reader: Reader = { ...built, _internal: { ...built._internal, sdkDevice: host } };
      const record: SdkDeviceRecord = {
        id: recordId,
        object: 'opentill.sdk_device',
        created: secondsOf(ctx.nowMs),
        livemode: false,
        serial_number: command.serialNumber,
        reader: reader.id,
      };
      // A registration committed meanwhile by another session makes this commit conflict and retry.
      await this.engine.commit(ctx, [record, reader], [], versionsOf(known));
      return reader;
    });
  }

  private async location(auth: SdkAuthenticated, id: string): Promise<Location> {
    const scope = auth.session.object.location;
    if (scope !== null && id !== scope) {
      throw refused(
        400,
        'INVALID_REQUIRED_PARAMETER',
        'location_out_of_scope',
        `This connection token is scoped to Location ${scope}: it cannot register a reader at ${id.slice(0, 60)}.`,
        'location',
      );
    }
    const found = id.startsWith('tml_') ? await this.engine.store.get<Location>(auth.ctx.accountId, id) : null;
    if (!found || found.object.object !== 'terminal.location' || found.object['deleted'] === true) {
      throw refused(
        400,
        'INVALID_REQUIRED_PARAMETER',
        'location_not_found',
        `No such location: '${id.slice(0, 60)}'.`,
        'location',
      );
    }
    return found.object;
  }

  /** The reader this session hosts, or a refusal (unknown, not a device, hosted by another session). */
  private async hosted(auth: SdkAuthenticated, readerId: string): Promise<Reader> {
    const found = readerId.startsWith('tmr_')
      ? await this.engine.store.get<Reader>(auth.ctx.accountId, readerId)
      : null;
    if (!found || found.object['deleted'] === true) {
      throw refused(
        404,
        'resource_missing',
        'reader_not_found',
        `No such reader: '${readerId.slice(0, 60)}'.`,
        'reader',
      );
    }
    const host = sdkDeviceHostOf(found.object);
    if (!host) {
      throw refused(
        400,
        'UNSUPPORTED_OPERATION',
        'not_sdk_device',
        `Reader ${found.object.id} is not a Bluetooth or USB reader of a mobile SDK: it reports through its own link.`,
        'reader',
      );
    }
    if (host.session !== auth.session.object.id) {
      throw refused(
        403,
        'UNEXPECTED_OPERATION',
        'not_host',
        `Reader ${found.object.id} is held by another SDK: register it again from this SDK to speak for it.`,
        'reader',
      );
    }
    return found.object;
  }

  private async view(ctx: RequestContext, reader: Reader): Promise<SdkDeviceCommand> {
    const status = serverActionStatus(reader);
    const action = status ? await this.devices.describe(ctx, reader) : null;
    const key = status ? `${status.actionId}.${status.status}` : `idle.${deviceActionId(reader) ?? ''}`;
    return { object: 'opentill.sdk_device_command', version: key, reader: reader.id, action, status };
  }

  /** The device's long-poll: the command once its version differs from `after` (or after `waitMs`). */
  async command(
    auth: SdkAuthenticated,
    readerId: string,
    after: string | null,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<SdkDeviceCommand> {
    const accountId = auth.ctx.accountId;
    const deadline = Date.now() + Math.min(Math.max(0, waitMs), sdkDeviceWaitMsMax);
    let ctx = auth.ctx;
    for (;;) {
      const reader = await this.hosted({ ...auth, ctx }, readerId);
      // The device polling is its signal: online while the SDK beside it runs (written at most once a minute).
      if (await this.readers.heardFrom(ctx, reader)) continue;
      const current = await this.view(ctx, reader);
      if (
        after === null ||
        current.version !== after ||
        Date.now() >= deadline ||
        this.waiters.stopping ||
        signal?.aborted
      )
        return current;
      // Also re-read every second: other server nodes commit too.
      await this.waiters.wait(accountId, [readerId], Math.min(1000, deadline - Date.now()));
      ctx = { ...auth.ctx, nowMs: (await this.engine.automaticContext(accountId)).nowMs };
    }
  }

  /** What the customer did at the device, through the path of every reader; answers the device's next command. */
  async report(auth: SdkAuthenticated, readerId: string, raw: unknown): Promise<SdkDeviceCommand> {
    let event: DeviceEvent;
    try {
      // The reader protocol's strict decoder: the same events, checked the same way, as a gateway device's.
      event = parseDeviceEvent(raw);
    } catch (error) {
      if (error instanceof FrameError) throw new ApiError('invalid_request_body', error.message, { param: 'event' });
      throw error;
    }
    const reader = await this.hosted(auth, readerId);
    if (reader._internal.offline) {
      throw refused(
        400,
        'NOT_CONNECTED_TO_READER',
        'reader_offline',
        `Reader ${reader.id} lost its connection: reconnect it.`,
      );
    }
    await this.devices.applyEvent(auth.ctx, reader.id, event);
    return this.view(auth.ctx, (await this.readers.load(auth.ctx, reader.id)).object);
  }
}
