import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addYearsMs, compareVersions, parseIsoDate, parseVersion, versionAtLeast } from './version.js';

void describe('versions', () => {
  const cmp: [string, string, number][] = [
    ['16.4', '16.4.0', 0], ['16.4.1', '16.4', 1], ['16.3.9', '16.4', -1], ['4.10.0', '4.3.0', 1], ['13', '12.1', 1], ['26', '18.7', 1],
  ];
  for (const [a, b, sign] of cmp) void it(`${a} vs ${b} → ${sign}`, () => assert.equal(Math.sign(compareVersions(a, b)), sign));
  void it('parses dotted integers only', () => {
    assert.deepEqual(parseVersion('17.5.1'), [17, 5, 1]);
    for (const bad of ['', '17.', '.5', 'v17', '17.5-beta', '1.2.3.4.5', '17 5']) assert.equal(parseVersion(bad), null, bad);
  });
  void it('versionAtLeast is false for garbage', () => {
    assert.equal(versionAtLeast('4.3.0', '4.3.0'), true);
    assert.equal(versionAtLeast('beta', '4.3.0'), false);
  });
  void it('compareVersions throws on garbage', () => assert.throws(() => compareVersions('x', '1'), RangeError));
});

void describe('dates', () => {
  void it('parses ISO dates at UTC midnight', () => {
    assert.equal(parseIsoDate('2025-09-15'), Date.UTC(2025, 8, 15));
    assert.equal(parseIsoDate('2025-09'), Date.UTC(2025, 8, 1));
    assert.equal(parseIsoDate('2024-02-29'), Date.UTC(2024, 1, 29));
    for (const bad of ['2025-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '25-01-01', '2025/01/01']) assert.equal(parseIsoDate(bad), null, bad);
  });
  void it('adds calendar years (29 February rolls to 1 March)', () => {
    assert.equal(addYearsMs('2025-09-15', 1), Date.UTC(2026, 8, 15));
    assert.equal(addYearsMs('2024-02-29', 1), Date.UTC(2025, 2, 1));
    assert.equal(addYearsMs('nope', 1), null);
  });
});
