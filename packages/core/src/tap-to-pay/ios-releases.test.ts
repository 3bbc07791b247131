import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDevice, lookupIosRelease, type DeviceFacts } from './device.js';
import { defaultIosReleases } from './ios-releases.js';

const DAY_MS = 86_400_000;

const iphoneOn = (osVersion: string): DeviceFacts => ({
  platform: 'ios',
  osVersion,
  isBeta: false,
  model: 'iPhone15,2',
  hasNfc: true,
  cpuArch: 'arm64',
  rooted: false,
  bootloaderUnlocked: false,
  modifiedOs: false,
  isEmulator: false,
  internet: true,
  iosEntitlement: true,
  passcodeSet: true,
  sdkVersion: '5.0.0',
});

/** `YYYY-MM-DD` → ms at 00:00 UTC, parsed here independently of version.ts. */
function utcDay(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

void describe('defaultIosReleases', () => {
  void it('holds every iOS release an iPhone XS or later can run, from 12.0 to 26.2, frozen', () => {
    assert.equal(defaultIosReleases.length, 31);
    assert.deepEqual(defaultIosReleases[0], { version: '12.0', released: '2018-09-17' });
    assert.deepEqual(defaultIosReleases.at(-1), { version: '26.2', released: '2025-12-12' });
    assert.deepEqual(
      [...new Set(defaultIosReleases.map((r) => r.version.split('.')[0]))],
      ['12', '13', '14', '15', '16', '17', '18', '26'],
    );
    // Apple's dates for the releases the rule meets most often.
    const dates = Object.fromEntries(defaultIosReleases.map((r) => [r.version, r.released]));
    assert.equal(dates['17.0'], '2023-09-18');
    assert.equal(dates['18.0'], '2024-09-16');
    assert.equal(dates['26.0'], '2025-09-15');
    assert.equal(Object.isFrozen(defaultIosReleases), true);
    for (const release of defaultIosReleases) assert.equal(Object.isFrozen(release), true, release.version);
  });

  // Each row, through the rule that reads it: the row is found for its own version, a device on
  // it is accepted from its release day until one year later and refused from that day on. A
  // row whose version or date were lost would be skipped, and the version would fall back to an
  // older row of its major (another expiry) or to "nonexistent" (a forged fact).
  for (const release of defaultIosReleases) {
    void it(`iOS ${release.version}: released ${release.released}, accepted for exactly one year`, () => {
      const releasedMs = utcDay(release.released);
      assert.deepEqual(lookupIosRelease(release.version), {
        kind: 'listed',
        version: release.version,
        released: release.released,
        releasedMs,
      });
      const [y, m, d] = release.released.split('-').map(Number) as [number, number, number];
      const expiresMs = Date.UTC(y + 1, m - 1, d);
      assert.deepEqual(checkDevice(iphoneOn(release.version), { nowMs: releasedMs }), { ok: true });
      assert.deepEqual(checkDevice(iphoneOn(release.version), { nowMs: expiresMs - 1 }), { ok: true });
      const expired = checkDevice(iphoneOn(release.version), { nowMs: expiresMs });
      assert.equal(expired.ok, false);
      if (!expired.ok) assert.equal(expired.reason, 'os_too_old');
      // The day before its release, the version is a forged fact, not too old.
      const early = checkDevice(iphoneOn(release.version), { nowMs: releasedMs - DAY_MS });
      assert.equal(early.ok, false);
      if (!early.ok) assert.notEqual(early.reason, 'os_too_old');
    });
  }
});
