import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addYearsMs, compareVersions, parseIsoDate, parseVersion, versionAtLeast } from './version.js';

void describe('versions', () => {
  const cmp: [string, string, number][] = [
    ['16.4', '16.4.0', 0],
    ['16.4.1', '16.4', 1],
    ['16.3.9', '16.4', -1],
    ['4.10.0', '4.3.0', 1],
    ['13', '12.1', 1],
    ['26', '18.7', 1],
  ];
  for (const [a, b, sign] of cmp)
    void it(`${a} vs ${b} → ${sign}`, () => assert.equal(Math.sign(compareVersions(a, b)), sign));
  void it('parses dotted integers only', () => {
    assert.deepEqual(parseVersion('17.5.1'), [17, 5, 1]);
    for (const bad of ['', '17.', '.5', 'v17', '17.5-beta', '1.2.3.4.5', '17 5'])
      assert.equal(parseVersion(bad), null, bad);
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
    for (const bad of ['2025-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '25-01-01', '2025/01/01'])
      assert.equal(parseIsoDate(bad), null, bad);
  });
  void it('adds calendar years (29 February rolls to 1 March)', () => {
    assert.equal(addYearsMs('2025-09-15', 1), Date.UTC(2026, 8, 15));
    assert.equal(addYearsMs('2024-02-29', 1), Date.UTC(2025, 2, 1));
    assert.equal(addYearsMs('nope', 1), null);
  });
});

void describe('version and date edges, exactly', () => {
  void it('parseVersion: one to four parts of one to six digits', () => {
    assert.deepEqual(parseVersion('1.2.3.4'), [1, 2, 3, 4]);
    assert.equal(parseVersion('1.2.3.4.5'), null);
    assert.deepEqual(parseVersion('123456'), [123456]);
    assert.equal(parseVersion('1234567'), null);
    assert.equal(parseVersion('1.1234567'), null);
    for (const text of ['', '1.', '.1', 'v1', '1..2', ' 1', '1 ', '1.-2', '1.a'])
      assert.equal(parseVersion(text), null, JSON.stringify(text));
    assert.equal(parseVersion(17 as unknown as string), null);
  });

  void it('compareVersions: the sign of the first differing part; the unparsable side named', () => {
    assert.equal(compareVersions('16.4', '16.4.0'), 0);
    assert.equal(compareVersions('16.4.0.0', '16.4'), 0);
    assert.equal(compareVersions('16.10', '16.9'), 1);
    assert.equal(compareVersions('16.4.1', '16.4'), 1);
    assert.equal(compareVersions('16.4', '16.4.2'), -2);
    assert.equal(compareVersions('15', '17'), -2);
    assert.throws(() => compareVersions('x', '1'), { name: 'RangeError', message: 'not a version: x' });
    assert.throws(() => compareVersions('1', 'y'), { name: 'RangeError', message: 'not a version: y' });
    assert.equal(versionAtLeast('16.4', '16.4'), true);
    assert.equal(versionAtLeast('16.3.9', '16.4'), false);
    assert.equal(versionAtLeast('beta', '16.4'), false);
  });

  void it('parseIsoDate: month lengths and leap years', () => {
    assert.equal(parseIsoDate('2024-02-29'), Date.UTC(2024, 1, 29));
    assert.equal(parseIsoDate('2000-02-29'), Date.UTC(2000, 1, 29));
    assert.equal(parseIsoDate('1900-02-29'), null);
    assert.equal(parseIsoDate('2025-02-29'), null);
    assert.equal(parseIsoDate('2025-02-28'), Date.UTC(2025, 1, 28));
    for (const month of [4, 6, 9, 11]) {
      const mm = String(month).padStart(2, '0');
      assert.equal(parseIsoDate(`2025-${mm}-30`), Date.UTC(2025, month - 1, 30));
      assert.equal(parseIsoDate(`2025-${mm}-31`), null, mm);
    }
    for (const month of [1, 3, 5, 7, 8, 10, 12])
      assert.equal(parseIsoDate(`2025-${String(month).padStart(2, '0')}-31`), Date.UTC(2025, month - 1, 31));
    assert.equal(parseIsoDate('2025-12'), Date.UTC(2025, 11, 1));
    assert.equal(parseIsoDate('2025-01-01'), Date.UTC(2025, 0, 1));
    for (const text of [
      '2025-00-01',
      '2025-13-01',
      '2025-01-00',
      '2025-1-01',
      '2025-01-1',
      '25-01-01',
      '2025-01-01T00:00',
      'x2025-01-01',
    ]) {
      assert.equal(parseIsoDate(text), null, text);
    }
    assert.equal(parseIsoDate(20250101 as unknown as string), null);
  });

  void it('addYearsMs: the same calendar day, 29 February to 1 March, YYYY-MM from the 1st', () => {
    assert.equal(addYearsMs('2024-02-29', 1), Date.UTC(2025, 2, 1));
    assert.equal(addYearsMs('2025-06-15', 1), Date.UTC(2026, 5, 15));
    assert.equal(addYearsMs('2025-06', 2), Date.UTC(2027, 5, 1));
    assert.equal(addYearsMs('2025-02-30', 1), null);
  });
});
