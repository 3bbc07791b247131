/**
 * Dotted version numbers (`16.4`, `17.5.1`, `4.3.0`, `13`) and calendar dates (`2025-09-15`), parsed
 * and compared without a clock. Used by the device rules (OS versions, SDK versions, security patch
 * dates) and the PIN rules (PIN needs iOS 16.4+ / Android SDK 4.3.0+).
 */

/** `'17.5.1'` → `[17, 5, 1]`; `null` when it is not 1–4 dot-separated non-negative integers. */
export function parseVersion(text: string): number[] | null {
  if (typeof text !== 'string' || !/^\d{1,6}(\.\d{1,6}){0,3}$/.test(text)) return null;
  return text.split('.').map(Number);
}

/**
 * Compares two dotted versions; missing trailing parts count as 0 (`16.4` = `16.4.0`).
 * Returns a negative number, 0 or a positive number. Throws on an unparsable version: callers
 * validate first.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) throw new RangeError(`not a version: ${pa ? b : a}`);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether `version` ≥ `minimum`; false when `version` is not a version. */
export function versionAtLeast(version: string, minimum: string): boolean {
  return parseVersion(version) !== null && compareVersions(version, minimum) >= 0;
}

/**
 * `'2025-09-15'` (or `'2025-09'`, read as the 1st) → milliseconds since the epoch at 00:00 UTC.
 * `null` for anything else, including impossible dates such as `2025-02-30`.
 */
export function parseIsoDate(text: string): number | null {
  const m = typeof text === 'string' ? /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(text) : null;
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return Date.UTC(y, mo - 1, d);
}

/** The same calendar day `years` later (29 February → 1 March), at 00:00 UTC. */
export function addYearsMs(isoDate: string, years: number): number | null {
  if (parseIsoDate(isoDate) === null) return null;
  const [y, mo, d] = isoDate.split('-').map(Number) as [number, number, number?];
  return Date.UTC(y + years, mo - 1, d ?? 1);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
