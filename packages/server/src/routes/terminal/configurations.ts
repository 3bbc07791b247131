/** `/v1/terminal/configurations`, and OpenTill's view of a reader's effective configuration. */
import { configurationGroups, type ConfigurationChanges, type Reader } from '@opentill/core';
import { array, bool, int, listParams, object, oneOf, parseParams, str, type Schema } from '@opentill/protocol';
import type { App } from '../../app.js';
import { expandObject } from '../../http/expand.js';
import { listObjects } from '../../http/list.js';
import type { Services } from '../../services.js';

const tippingCurrencies = [
  'aed',
  'aud',
  'cad',
  'chf',
  'czk',
  'dkk',
  'eur',
  'gbp',
  'gip',
  'hkd',
  'huf',
  'jpy',
  'mxn',
  'myr',
  'nok',
  'nzd',
  'pln',
  'ron',
  'sek',
  'sgd',
  'usd',
] as const;

const fileId = str({ maxLength: 255, pattern: /^file_/, patternMessage: 'Invalid file id: must start with file_' });
const splashscreen = object({ splashscreen: fileId.orEmpty() }).orEmpty();
const tipOptions = object({
  fixed_amounts: array(int({ min: 0, max: 99_999_999 }), { max: 3 }),
  percentages: array(int({ min: 0, max: 100 }), { max: 3 }),
  smart_tip_threshold: int({ min: 0, max: 99_999_999 }),
});
const secret = str({ maxLength: 255 });

const fields = {
  name: str({ maxLength: 100 }).orEmpty(),
  bbpos_wisepad3: splashscreen,
  bbpos_wisepos_e: splashscreen,
  stripe_s700: splashscreen,
  stripe_s710: splashscreen,
  stripe_t600: splashscreen,
  verifone_m425: splashscreen,
  verifone_p400: splashscreen,
  verifone_p630: splashscreen,
  verifone_ux700: splashscreen,
  verifone_v660p: splashscreen,
  cellular: object({ enabled: bool().req() }).orEmpty(),
  offline: object({ enabled: bool().req() }).orEmpty(),
  reader_security: object({
    admin_menu_passcode: str({ maxLength: 8, pattern: /^\d{4,8}$/, patternMessage: 'Invalid passcode' }).orEmpty(),
  }).orEmpty(),
  reboot_window: object({
    start_hour: int({ min: 0, max: 23 }).req(),
    end_hour: int({ min: 0, max: 23 }).req(),
  }).orEmpty(),
  tipping: object(
    Object.fromEntries(tippingCurrencies.map((c) => [c, tipOptions])) as Record<string, typeof tipOptions>,
  ).orEmpty(),
  wifi: object({
    type: oneOf(['enterprise_eap_peap', 'enterprise_eap_tls', 'personal_psk'] as const).req(),
    enterprise_eap_peap: object({
      ssid: secret.req(),
      username: secret.req(),
      password: secret.req(),
      ca_certificate_file: fileId,
    }),
    enterprise_eap_tls: object({
      ssid: secret.req(),
      client_certificate_file: fileId.req(),
      private_key_file: fileId.req(),
      private_key_file_password: secret,
      ca_certificate_file: fileId,
    }),
    personal_psk: object({ ssid: secret.req(), password: secret.req() }),
  }).orEmpty(),
} satisfies Record<string, Schema<unknown>>;

/** Passwords are write-only: they are kept out of the object the API shows. */
function withoutPasswords(wifi: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wifi)) {
    if (value !== null && typeof value === 'object') {
      const { password: _p, private_key_file_password: _k, ...rest } = value as Record<string, unknown>;
      out[key] = rest;
    } else out[key] = value;
  }
  return out;
}

function changesFrom(p: Record<string, unknown>): ConfigurationChanges {
  const changes: ConfigurationChanges = {};
  if (p['name'] !== undefined) changes.name = p['name'] as string | null;
  for (const group of configurationGroups) {
    const value = p[group];
    if (value === undefined) continue;
    changes[group] =
      group === 'wifi' && value !== null
        ? withoutPasswords(value as Record<string, unknown>)
        : (value as Record<string, unknown> | null);
  }
  return changes;
}

export function registerTerminalConfigurations(app: App, services: Services): void {
  const { engine, terminalConfigurations: configurations, terminalReaders: readers } = services;
  const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.route(
    'POST',
    '/v1/terminal/configurations',
    async (_request, ctx, raw) => {
      const p = parseParams(fields, raw);
      return expandObject(engine, ctx, await configurations.create(ctx, changesFrom(p)), p.expand ?? []);
    },
    { resultType: 'terminal.configuration' },
  );

  app.route('GET', '/v1/terminal/configurations/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    return expandObject(engine, ctx, await configurations.retrieve(ctx, idOf(request)), p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/configurations/:id', async (request, ctx, raw) => {
    const p = parseParams(fields, raw);
    return expandObject(engine, ctx, await configurations.update(ctx, idOf(request), changesFrom(p)), p.expand ?? []);
  });

  app.route('GET', '/v1/terminal/configurations', async (_request, ctx, raw) => {
    const p = parseParams({ ...listParams, is_account_default: bool() }, raw);
    await configurations.accountDefault(ctx);
    return listObjects(engine, ctx, '/v1/terminal/configurations', 'terminal.configuration', p, [
      { field: 'deleted', op: 'eq', value: null },
      ...(p.is_account_default !== undefined
        ? [{ field: 'is_account_default', op: 'eq' as const, value: p.is_account_default }]
        : []),
    ]);
  });

  app.route('DELETE', '/v1/terminal/configurations/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    return configurations.delete(ctx, idOf(request));
  });

  app.route('GET', '/opentill/v1/terminal/readers/:id/configuration', async (request, ctx, raw) => {
    parseParams({}, raw);
    const reader: Reader = (await readers.load(ctx, idOf(request))).object;
    return configurations.effectiveFor(ctx, reader);
  });
}
