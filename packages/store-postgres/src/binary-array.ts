/**
 * A `text[]` parameter in PostgreSQL's binary format (array_recv), for the parameters that carry
 * JSON documents: the objects and events of a commit, the stored answers of idempotency keys.
 *
 * node-postgres sends a JS array as a text array literal, `{"…","…"}`: every element is run through
 * two regular-expression replaces (backslashes, then double quotes, of which a JSON document has
 * dozens) and concatenated into one more string. In the binary format an element is its length and
 * its UTF-8 bytes, copied once, with nothing to escape; node-postgres sends a Buffer parameter with
 * the binary format code as it is. The statement must give the parameter its type (`$n::text[]`):
 * PostgreSQL then checks the element type written here (text) against it.
 *
 * Hand-rolled: node-postgres has no array encoder for the binary format (pg-types only decodes), and
 * the layout is small and fixed (src/backend/utils/adt/arrayfuncs.c, array_send / array_recv).
 */

/** `pg_type.oid` of `text`. */
const textOid = 25;

export function binaryTextArray(values: ReadonlyArray<string | null>): Buffer {
  const count = values.length;
  // An empty array: no dimensions at all (what array_send writes for '{}').
  if (count === 0) {
    const empty = Buffer.allocUnsafe(12);
    empty.writeInt32BE(0, 0);
    empty.writeInt32BE(0, 4);
    empty.writeInt32BE(textOid, 8);
    return empty;
  }
  const lengths = new Array<number>(count);
  let size = 20 + 4 * count;
  let hasNull = 0;
  for (let i = 0; i < count; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      lengths[i] = -1;
      hasNull = 1;
    } else {
      const length = Buffer.byteLength(value, 'utf8');
      lengths[i] = length;
      size += length;
    }
  }
  const buffer = Buffer.allocUnsafe(size);
  buffer.writeInt32BE(1, 0); // dimensions
  buffer.writeInt32BE(hasNull, 4); // has nulls (array_recv ignores it, array_send writes it)
  buffer.writeInt32BE(textOid, 8); // element type
  buffer.writeInt32BE(count, 12); // elements in the one dimension
  buffer.writeInt32BE(1, 16); // its lower bound
  let offset = 20;
  for (let i = 0; i < count; i++) {
    const length = lengths[i]!;
    buffer.writeInt32BE(length, offset);
    offset += 4;
    if (length > 0) offset += buffer.write(values[i]!, offset, length, 'utf8');
  }
  return buffer;
}
