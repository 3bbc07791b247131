/**
 * Bluetooth and USB readers whose device runs beside the mobile SDK (docs/tap-to-pay-sdk.md,
 * "Bluetooth and USB readers run beside the SDK"), under `/opentill/v1/sdk/devices` (SDK session
 * bearer, JSON): the SDK registers the reader it found (and hosts it), the device long-polls its
 * command, and reports what the customer did with the reader protocol's device events.
 */
import { SdkError, sdkDeviceTypes } from '@opentill/engine';
import { bool, oneOf, parseParams, str } from '@opentill/protocol';
import type { App } from '../../app.js';
import type { Services } from '../../services.js';
import { whileClientWaits, type SdkRoute } from './sessions.js';

const serialPattern = /^[A-Za-z0-9_-]{1,100}$/;

export function registerSdkDevices(app: App, services: Services, route: SdkRoute): void {
  const { sdkDevices } = services;
  app.fastify.addHook('preClose', async () => {
    sdkDevices.shutdown();
  });

  route('POST', '/devices', async (auth, body) => {
    const p = parseParams(
      {
        location: str({ maxLength: 255 }),
        device_type: oneOf(sdkDeviceTypes).req(),
        serial_number: str({
          maxLength: 100,
          pattern: serialPattern,
          patternMessage: 'A serial number is 1–100 letters, digits, "_" or "-".',
        }).req(),
        device_sw_version: str({ maxLength: 100 }),
        label: str({ maxLength: 100 }),
        simulated: bool(),
      },
      body,
    );
    if (p.location === undefined || p.location === '') {
      throw new SdkError(
        400,
        'MISSING_REQUIRED_PARAMETER',
        'You must provide a locationId to connect a Bluetooth or USB reader.',
        { reason: 'location_missing', field: 'location' },
      );
    }
    const reader = await sdkDevices.register(auth, {
      location: p.location,
      deviceType: p.device_type,
      serialNumber: p.serial_number,
      deviceSwVersion: p.device_sw_version ?? '',
      label: p.label ?? p.serial_number,
      simulated: p.simulated ?? true,
    });
    return { object: 'opentill.sdk_device', reader };
  });

  route('GET', '/devices/:reader/command', async (auth, _body, query, request) => {
    const wait = Number(query.get('wait_ms') ?? '0');
    return whileClientWaits(request, (signal) =>
      sdkDevices.command(
        auth,
        readerParam(request.params),
        query.get('after'),
        Number.isFinite(wait) ? wait : 0,
        signal,
      ),
    );
  });

  route('POST', '/devices/:reader/events', async (auth, body, _query, request) => {
    const keys = Object.keys(body);
    const extra = keys.find((key) => key !== 'event');
    if (extra !== undefined)
      throw new SdkError(400, 'parameter_unknown', `Received unknown parameter: ${extra.slice(0, 60)}`, {
        param: extra.slice(0, 60),
      });
    if (body['event'] === undefined)
      throw new SdkError(400, 'parameter_missing', 'Missing required param: event.', { param: 'event' });
    return sdkDevices.report(auth, readerParam(request.params), body['event']);
  });
}

function readerParam(params: unknown): string {
  const value = (params as { reader?: unknown } | null)?.reader;
  return typeof value === 'string' ? value.slice(0, 255) : '';
}
