/**
 * `setTapToPayUxConfiguration` validation (seed "Configuration de l'expérience utilisateur";
 * docs/tap-to-pay.md, "UX configuration"). Only the tap screen uses it: never the PIN screen.
 *
 * Accepted shape (React Native SDK `TapToPayUxConfiguration`, every field optional):
 *   { tapZone?: { indicator: 'default' }
 *             | { indicator: 'above' | 'below' | 'left' | 'right', bias?: number }
 *             | { indicator: 'front' | 'behind', xBias?: number, yBias?: number },   // both or neither
 *     colors?: { primary?: string, success?: string, error?: string },               // '#RRGGBB' | '#AARRGGBB'
 *     darkMode?: 'system' | 'light' | 'dark' }
 * The older shape the seed's React Native sample uses,
 *   { tapZone: { tapZoneIndicator: 'FRONT', tapZonePosition: { xBias, yBias } } },
 * is accepted too and normalised to the one above. Enum values are case-insensitive.
 * Biases are fractions of the screen in [0, 1] (0 = left/top, 1 = right/bottom), like Android
 * layout biases. Colours normalise to upper-case `#AARRGGBB` (alpha FF added); null means the SDK
 * default colour. `darkMode` defaults to `light`, the React Native bridge default.
 */

export type TapZoneIndicator = 'default' | 'above' | 'below' | 'left' | 'right' | 'front' | 'behind';

export type TapZone =
  | { indicator: 'default' }
  | { indicator: 'above' | 'below' | 'left' | 'right'; bias: number | null }
  | { indicator: 'front' | 'behind'; xBias: number | null; yBias: number | null };

export type TapToPayDarkMode = 'system' | 'light' | 'dark';

export interface TapToPayUxConfiguration {
  tapZone: TapZone;
  colors: { primary: string | null; success: string | null; error: string | null };
  darkMode: TapToPayDarkMode;
}

export interface UxFieldError {
  /** Dotted path of the offending field (`tapZone.xBias`, `colors.primary`…). */
  field: string;
  message: string;
}

export type UxConfigurationResult =
  | { ok: true; value: TapToPayUxConfiguration }
  | { ok: false; code: 'INVALID_REQUIRED_PARAMETER'; message: string; errors: UxFieldError[] };

export const defaultTapToPayUxConfiguration: Readonly<TapToPayUxConfiguration> = Object.freeze({
  tapZone: Object.freeze({ indicator: 'default' as const }),
  colors: Object.freeze({ primary: null, success: null, error: null }),
  darkMode: 'light' as const,
});

const indicators: readonly TapZoneIndicator[] = ['default', 'above', 'below', 'left', 'right', 'front', 'behind'];
const darkModes: readonly TapToPayDarkMode[] = ['system', 'light', 'dark'];
const colorNames = ['primary', 'success', 'error'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Hex colour `#RRGGBB` / `#AARRGGBB` → upper-case `#AARRGGBB`; null for anything else. */
export function normalizeHexColor(value: string): string | null {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{8})$/i.exec(value.trim());
  if (!m || m[1] === undefined) return null;
  return `#${m[1].length === 6 ? 'FF' : ''}${m[1].toUpperCase()}`;
}

/** Validates and normalises a Tap to Pay UX configuration; lists every bad field. */
export function validateTapToPayUxConfiguration(input: unknown): UxConfigurationResult {
  const errors: UxFieldError[] = [];
  const err = (field: string, message: string) => {
    errors.push({ field, message });
  };
  const value: TapToPayUxConfiguration = {
    tapZone: { indicator: 'default' },
    colors: { primary: null, success: null, error: null },
    darkMode: defaultTapToPayUxConfiguration.darkMode,
  };
  if (input === undefined || input === null) input = {};
  if (!isObject(input)) {
    err('', 'The configuration must be an object.');
  } else {
    for (const key of Object.keys(input)) {
      if (!['tapZone', 'colors', 'darkMode'].includes(key)) err(key, `Unknown field \`${key}\`.`);
    }
    if (input.tapZone !== undefined && input.tapZone !== null) {
      const zone = parseTapZone(input.tapZone, err);
      if (zone) value.tapZone = zone;
    }
    if (input.colors !== undefined && input.colors !== null) {
      if (!isObject(input.colors)) err('colors', '`colors` must be an object with primary, success and error.');
      else {
        for (const key of Object.keys(input.colors)) {
          if (!(colorNames as readonly string[]).includes(key))
            err(`colors.${key}`, `Unknown colour \`${key}\`; use primary, success or error.`);
        }
        for (const name of colorNames) {
          const c = input.colors[name];
          if (c === undefined || c === null) continue;
          const hex = typeof c === 'string' ? normalizeHexColor(c) : null;
          if (hex === null) err(`colors.${name}`, `\`colors.${name}\` must be a hex colour #RRGGBB or #AARRGGBB.`);
          else value.colors[name] = hex;
        }
      }
    }
    if (input.darkMode !== undefined && input.darkMode !== null) {
      const mode = typeof input.darkMode === 'string' ? input.darkMode.toLowerCase() : undefined;
      if (mode === undefined || !(darkModes as readonly string[]).includes(mode))
        err('darkMode', '`darkMode` must be system, light or dark.');
      else value.darkMode = mode as TapToPayDarkMode;
    }
  }
  if (errors.length > 0) {
    return {
      ok: false,
      code: 'INVALID_REQUIRED_PARAMETER',
      errors,
      message: `Invalid Tap to Pay UX configuration: ${errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join(' ')}`,
    };
  }
  return { ok: true, value };
}

function parseBias(
  v: unknown,
  field: string,
  err: (field: string, message: string) => void,
): number | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    err(field, `\`${field}\` must be a number between 0 and 1.`);
    return undefined;
  }
  return v;
}

function parseTapZone(raw: unknown, err: (field: string, message: string) => void): TapZone | null {
  if (!isObject(raw)) {
    err('tapZone', '`tapZone` must be an object.');
    return null;
  }
  // The seed's older shape: { tapZoneIndicator, tapZonePosition: { xBias, yBias } }.
  let zone: Record<string, unknown> = raw;
  let prefix = 'tapZone';
  if ('tapZoneIndicator' in raw || 'tapZonePosition' in raw) {
    for (const key of Object.keys(raw)) {
      if (key !== 'tapZoneIndicator' && key !== 'tapZonePosition') err(`tapZone.${key}`, `Unknown field \`${key}\`.`);
    }
    const pos = raw.tapZonePosition;
    if (pos !== undefined && pos !== null && !isObject(pos)) {
      err('tapZone.tapZonePosition', '`tapZonePosition` must be an object with xBias and yBias.');
      return null;
    }
    if (isObject(pos)) {
      for (const key of Object.keys(pos)) {
        if (key !== 'xBias' && key !== 'yBias') err(`tapZone.tapZonePosition.${key}`, `Unknown field \`${key}\`.`);
      }
    }
    zone = { indicator: raw.tapZoneIndicator, ...(isObject(pos) ? { xBias: pos.xBias, yBias: pos.yBias } : {}) };
    prefix = 'tapZone.tapZonePosition';
  } else {
    for (const key of Object.keys(raw)) {
      if (!['indicator', 'bias', 'xBias', 'yBias'].includes(key)) err(`tapZone.${key}`, `Unknown field \`${key}\`.`);
    }
  }
  const ind = typeof zone.indicator === 'string' ? zone.indicator.toLowerCase() : undefined;
  const indField = prefix === 'tapZone' ? 'tapZone.indicator' : 'tapZone.tapZoneIndicator';
  if (ind === undefined || !(indicators as readonly string[]).includes(ind)) {
    err(indField, `\`${indField}\` must be one of ${indicators.join(', ')}.`);
    return null;
  }
  const indicator = ind as TapZoneIndicator;
  if (indicator === 'default') {
    for (const k of ['bias', 'xBias', 'yBias'])
      if (zone[k] !== undefined && zone[k] !== null) err(`${prefix}.${k}`, `The default tap zone takes no \`${k}\`.`);
    return { indicator };
  }
  if (indicator === 'front' || indicator === 'behind') {
    if (zone.bias !== undefined && zone.bias !== null)
      err('tapZone.bias', `The ${indicator} tap zone takes xBias and yBias, not bias.`);
    const xBias = parseBias(zone.xBias, `${prefix}.xBias`, err);
    const yBias = parseBias(zone.yBias, `${prefix}.yBias`, err);
    if (xBias === undefined || yBias === undefined) return null;
    if ((xBias === null) !== (yBias === null)) {
      err(
        `${prefix}.${xBias === null ? 'xBias' : 'yBias'}`,
        `The ${indicator} tap zone takes both xBias and yBias, or neither.`,
      );
      return null;
    }
    return { indicator, xBias, yBias };
  }
  for (const k of ['xBias', 'yBias'])
    if (zone[k] !== undefined && zone[k] !== null)
      err(`${prefix}.${k}`, `The ${indicator} tap zone takes bias, not ${k}.`);
  const bias = parseBias(zone.bias, 'tapZone.bias', err);
  if (bias === undefined) return null;
  return { indicator, bias };
}
