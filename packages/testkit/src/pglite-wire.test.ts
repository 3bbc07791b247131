import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renameStatement, trackListen } from './pglite-wire.js';

/** A frontend message: type byte, int32 length (itself included), body. */
function message(type: string, ...parts: Array<string | Buffer>): Buffer {
  const body = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(`${part}\0`, 'utf8') : part)));
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

describe('pglite-wire: prepared statement names are per connection', () => {
  const conn = () => ({ id: 7, statements: new Set<string>() });
  const noParams = Buffer.from([0, 0]);

  it('prefixes a Parse name with the connection id, fixes the length and remembers it', () => {
    const c = conn();
    const renamed = renameStatement(c, message('P', 'opentill_get', 'SELECT 1', noParams));
    assert.deepEqual(renamed, message('P', 'c7.opentill_get', 'SELECT 1', noParams));
    assert.deepEqual([...c.statements], ['c7.opentill_get']);
  });

  it('renames the statement of a Bind (not its portal), and of a Describe or Close of a statement', () => {
    const c = conn();
    const tail = Buffer.from([0, 0, 0, 0, 0, 0]);
    assert.deepEqual(
      renameStatement(c, message('B', 'portal', 'opentill_get', tail)),
      message('B', 'portal', 'c7.opentill_get', tail),
    );
    assert.deepEqual(
      renameStatement(c, message('D', Buffer.from('S'), 'opentill_get')),
      message('D', Buffer.from('S'), 'c7.opentill_get'),
    );
    c.statements.add('c7.opentill_get');
    assert.deepEqual(
      renameStatement(c, message('C', Buffer.from('S'), 'opentill_get')),
      message('C', Buffer.from('S'), 'c7.opentill_get'),
    );
    assert.equal(c.statements.size, 0, 'a closed statement is forgotten');
  });

  it('leaves the unnamed statement, portals and other messages alone', () => {
    const c = conn();
    for (const m of [
      message('P', '', 'SELECT 1', noParams),
      message('B', '', '', Buffer.from([0, 0, 0, 0, 0, 0])),
      message('D', Buffer.from('P'), 'portal'),
      message('C', Buffer.from('P'), 'portal'),
      message('Q', 'SELECT 1'),
      message('S'),
    ])
      assert.equal(renameStatement(c, m), m);
    assert.equal(c.statements.size, 0);
  });
});

describe('pglite-wire: LISTEN and UNLISTEN are followed per connection', () => {
  const query = (sql: string): Uint8Array => {
    const text = Buffer.from(`${sql}\0`, 'utf8');
    const message = Buffer.alloc(5 + text.length);
    message[0] = 0x51;
    message.writeInt32BE(4 + text.length, 1);
    text.copy(message, 5);
    return message;
  };

  it('adds, folds unquoted names, keeps quoted ones, removes and clears', () => {
    const conn = { channels: new Set<string>() };
    trackListen(conn, query('LISTEN opentill_webhooks'));
    trackListen(conn, query('listen Mixed;'));
    trackListen(conn, query('LISTEN "Quoted"'));
    assert.deepEqual([...conn.channels].sort(), ['Quoted', 'mixed', 'opentill_webhooks']);
    trackListen(conn, query('UNLISTEN mixed'));
    assert.deepEqual([...conn.channels].sort(), ['Quoted', 'opentill_webhooks']);
    trackListen(conn, query('SELECT 1'));
    trackListen(conn, query('LISTENER x'));
    assert.equal(conn.channels.size, 2);
    trackListen(conn, query('UNLISTEN *'));
    assert.equal(conn.channels.size, 0);
  });
});
