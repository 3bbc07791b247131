/**
 * A subset of Stripe's search query language (https://docs.stripe.com/search#search-query-language),
 * enough for `GET /v1/customers/search`:
 *
 *   query   := clause ( ('AND' | 'OR') clause )*      one connector per query, at most 10 clauses
 *   clause  := ['-'] field op value
 *   field   := name | "metadata['key']" | 'metadata["key"]'
 *   op      := ':' (exact, case-insensitive) | '~' (substring, 3+ characters) | '>' | '<' | '>=' | '<='
 *   value   := 'quoted' | "quoted" | integer | null
 *
 * Pure: a parser to a small tree, and a matcher of one object against it. Hand-written: the grammar
 * is a dozen lines and the errors must name Stripe's `param` (`query`), which a parser generator
 * would not make shorter.
 */
import { ApiError } from './errors.js';
import { limits } from './limits.js';
import type { StoredObject } from './domain.js';

export type SearchOperator = ':' | '~' | '>' | '<' | '>=' | '<=';

export interface SearchClause {
  negated: boolean;
  /** A top-level field, or a metadata key. */
  field: { kind: 'field'; name: string } | { kind: 'metadata'; key: string };
  op: SearchOperator;
  value: string | number | null;
}

export interface SearchQuery {
  connector: 'AND' | 'OR';
  clauses: SearchClause[];
}

/** What a resource lets a query name: string fields (exact and substring) and numeric ones. */
export interface SearchFields {
  resource: string;
  strings: readonly string[];
  numbers: readonly string[];
  metadata: boolean;
}

export const customerSearchFields: SearchFields = {
  resource: 'customers',
  strings: ['email', 'name', 'phone'],
  numbers: ['created'],
  metadata: true,
};

function invalidQuery(message: string): ApiError {
  return new ApiError('invalid_request_body', message, { param: 'query' });
}

const substringLengthMin = 3;

/** Parses `text` for a resource's fields; throws `invalid_request_body` with `param: query`. */
export function parseSearchQuery(text: string, fields: SearchFields): SearchQuery {
  let at = 0;
  const skipSpaces = () => {
    while (at < text.length && /\s/.test(text.charAt(at))) at += 1;
  };
  const fail = (what: string) =>
    invalidQuery(
      `There was an error parsing your query at character ${at + 1}: ${what}. See https://stripe.com/docs/search#search-query-language.`,
    );

  const quoted = (): string => {
    const quote = text[at];
    if (quote !== '"' && quote !== "'") throw fail('expected a quoted string');
    at += 1;
    let out = '';
    while (at < text.length && text[at] !== quote) {
      if (text[at] === '\\' && at + 1 < text.length) at += 1;
      out += text[at];
      at += 1;
    }
    if (at >= text.length) throw fail('unterminated string');
    at += 1;
    return out;
  };

  const clause = (): SearchClause => {
    skipSpaces();
    const negated = text[at] === '-';
    if (negated) at += 1;
    const nameMatch = /^[a-z_]+/.exec(text.slice(at));
    if (!nameMatch) throw fail('expected a field name');
    at += nameMatch[0].length;
    let field: SearchClause['field'];
    if (nameMatch[0] === 'metadata' && text[at] === '[') {
      at += 1;
      const key = quoted();
      if (text[at] !== ']') throw fail("expected ']'");
      at += 1;
      field = { kind: 'metadata', key };
    } else {
      field = { kind: 'field', name: nameMatch[0] };
    }
    const opMatch = /^(>=|<=|:|~|>|<)/.exec(text.slice(at));
    if (!opMatch) throw fail("expected one of ':', '~', '>', '<', '>=', '<='");
    at += opMatch[0].length;
    const op = opMatch[0] as SearchOperator;
    let value: SearchClause['value'];
    if (text[at] === '"' || text[at] === "'") value = quoted();
    else {
      const bare = /^(null|-?\d{1,16})(?=\s|$|\))/.exec(text.slice(at));
      if (!bare) throw fail('string values must be quoted');
      at += bare[0].length;
      value = bare[0] === 'null' ? null : Number(bare[0]);
    }
    checkClause({ negated, field, op, value }, fields);
    return { negated, field, op, value };
  };

  const clauses = [clause()];
  let connector: SearchQuery['connector'] | null = null;
  for (;;) {
    skipSpaces();
    if (at >= text.length) break;
    const word = /^(AND|OR)\s/.exec(text.slice(at));
    if (!word) throw fail("expected 'AND' or 'OR' between clauses");
    const next = word[1] as SearchQuery['connector'];
    if (connector !== null && connector !== next) {
      throw invalidQuery(
        'You cannot combine AND and OR in the same query. See https://stripe.com/docs/search#search-query-language.',
      );
    }
    connector = next;
    at += word[0].length;
    clauses.push(clause());
    if (clauses.length > limits.searchClauseCountMax) {
      throw invalidQuery(`A query can have at most ${limits.searchClauseCountMax} clauses.`);
    }
  }
  return { connector: connector ?? 'AND', clauses };
}

function checkClause(clause: SearchClause, fields: SearchFields): void {
  const { field, op, value } = clause;
  const name = field.kind === 'metadata' ? 'metadata' : field.name;
  const isString = field.kind === 'metadata' ? fields.metadata : fields.strings.includes(name);
  const isNumber = field.kind === 'field' && fields.numbers.includes(name);
  if (!isString && !isNumber) {
    throw invalidQuery(
      `Field '${name}' is an unsupported search field for resource ${fields.resource}. See ` +
        `https://stripe.com/docs/search#query-fields-for-${fields.resource} for a list of supported fields.`,
    );
  }
  if (isNumber) {
    if (op === '~' || typeof value !== 'number') {
      throw invalidQuery(`Field '${name}' is a numeric field: use ':', '>', '<', '>=' or '<=' with a number.`);
    }
    return;
  }
  if (op !== ':' && op !== '~') throw invalidQuery(`Field '${name}' is a string field: use ':' or '~'.`);
  if (typeof value === 'number') throw invalidQuery(`String values must be quoted (field '${name}').`);
  if (op === '~' && (value === null || value.length < substringLengthMin)) {
    throw invalidQuery(`Substring search ('~') needs at least ${substringLengthMin} characters (field '${name}').`);
  }
}

function clauseMatches(object: StoredObject, clause: SearchClause): boolean {
  const raw =
    clause.field.kind === 'metadata'
      ? (object['metadata'] as Record<string, string> | undefined)?.[clause.field.key]
      : object[clause.field.name];
  const actual = raw === undefined ? null : raw;
  const { op, value } = clause;
  if (value === null) return actual === null;
  if (typeof value === 'number') {
    if (typeof actual !== 'number') return false;
    switch (op) {
      case ':':
        return actual === value;
      case '>':
        return actual > value;
      case '<':
        return actual < value;
      case '>=':
        return actual >= value;
      case '<=':
        return actual <= value;
      default:
        return false;
    }
  }
  if (typeof actual !== 'string') return false;
  const left = actual.toLowerCase();
  const right = value.toLowerCase();
  return op === '~' ? left.includes(right) : left === right;
}

export function matchesSearch(object: StoredObject, query: SearchQuery): boolean {
  const results = query.clauses.map((clause) => clauseMatches(object, clause) !== clause.negated);
  return query.connector === 'AND' ? results.every(Boolean) : results.some(Boolean);
}
