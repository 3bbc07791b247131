import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { testPostgres } from '@opentill/testkit';
import { binaryTextArray } from './binary-array.js';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return [...b];
};

describe('binaryTextArray', () => {
  it('writes array_send’s layout: dimensions, null flag, element type, size, lower bound, then length + bytes', () => {
    assert.deepEqual(
      [...binaryTextArray(['a"b', null, '', 'é'])],
      [
        ...int32(1),
        ...int32(1),
        ...int32(25),
        ...int32(4),
        ...int32(1),
        ...int32(3),
        0x61,
        0x22,
        0x62,
        ...int32(-1),
        ...int32(0),
        ...int32(2),
        0xc3,
        0xa9,
      ],
    );
  });

  it('writes an empty array without dimensions', () => {
    assert.deepEqual([...binaryTextArray([])], [...int32(0), ...int32(0), ...int32(25)]);
  });

  it('writes no null flag when there is no null', () => {
    assert.deepEqual(
      [...binaryTextArray(['x'])],
      [...int32(1), ...int32(0), ...int32(25), ...int32(1), ...int32(1), ...int32(1), 0x78],
    );
  });

  describe('PostgreSQL reads back what was written', () => {
    let client: pg.Client;
    before(async () => {
      client = new pg.Client({ connectionString: (await testPostgres()).url });
      await client.connect();
    });
    after(() => client.end());

    it('keeps quotes, backslashes, braces, commas, JSON escapes, non-ASCII, empty strings and nulls', async () => {
      const values = [
        JSON.stringify({ a: 'x"y\\z', b: '{1,2}', c: 'NULL', d: '\u0001 é 💳 \ud800' }),
        '',
        null,
        'NULL',
        ' padded ',
        '"',
        '\\',
      ];
      const { rows } = await client.query<{ value: string | null; ord: string }>(
        'SELECT value, ord FROM unnest($1::text[]) WITH ORDINALITY AS t(value, ord) ORDER BY ord',
        [binaryTextArray(values)],
      );
      assert.deepEqual(
        rows.map((row) => row.value),
        values,
      );
    });

    it('reads an empty array as one with no elements', async () => {
      const { rows } = await client.query<{ n: number | null; d: string | null }>(
        'SELECT cardinality($1::text[]) AS n, array_dims($1::text[]) AS d',
        [binaryTextArray([])],
      );
      assert.deepEqual(rows, [{ n: 0, d: null }]);
    });
  });
});
