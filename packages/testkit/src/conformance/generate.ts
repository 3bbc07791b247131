/**
 * Generates `stripe-shapes.json` from stripe-node's type definitions with the TypeScript compiler
 * API: for every object OpenTill serves, its fields, their nullability, literal unions, nested
 * structures, arrays and which fields are expandable (typed `string | SomeObject`).
 *
 * `npm run conformance:generate` writes the file and prints what it covers; generate.test.ts
 * checks the committed file is what this produces.
 * The types are read rather than Stripe's OpenAPI description: stripe-node is already a pinned
 * dependency, and its types are generated from that description.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { shapesPath, type Alternative, type Field, type Shapes, type Struct } from './shapes.js';

const require = createRequire(import.meta.url);
// stripe's `exports` hide package.json: its root is two levels above the CommonJS entry (cjs/stripe.cjs.node.js).
const stripeDir = dirname(dirname(require.resolve('stripe')));
const resourcesDir = join(stripeDir, 'esm', 'resources');

/**
 * The objects OpenTill serves on `/v1` (and the ones its Customers and Connect work serves): the
 * `object` value, the file under stripe-node's `esm/resources`, the live type and the deleted one.
 */
const servedObjects: ReadonlyArray<{ object: string; file: string; type: string; deleted?: string }> = [
  { object: 'payment_intent', file: 'PaymentIntents.d.ts', type: 'PaymentIntent' },
  { object: 'charge', file: 'Charges.d.ts', type: 'Charge' },
  { object: 'refund', file: 'Refunds.d.ts', type: 'Refund' },
  { object: 'payment_method', file: 'PaymentMethods.d.ts', type: 'PaymentMethod' },
  { object: 'setup_intent', file: 'SetupIntents.d.ts', type: 'SetupIntent' },
  { object: 'setup_attempt', file: 'SetupAttempts.d.ts', type: 'SetupAttempt' },
  { object: 'event', file: 'Events.d.ts', type: 'EventBase' },
  {
    object: 'webhook_endpoint',
    file: 'WebhookEndpoints.d.ts',
    type: 'WebhookEndpoint',
    deleted: 'DeletedWebhookEndpoint',
  },
  { object: 'customer', file: 'Customers.d.ts', type: 'Customer', deleted: 'DeletedCustomer' },
  { object: 'account', file: 'Accounts.d.ts', type: 'Account', deleted: 'DeletedAccount' },
  { object: 'transfer', file: 'Transfers.d.ts', type: 'Transfer' },
  { object: 'transfer_reversal', file: 'TransferReversals.d.ts', type: 'TransferReversal' },
  { object: 'application_fee', file: 'ApplicationFees.d.ts', type: 'ApplicationFee' },
  { object: 'fee_refund', file: 'FeeRefunds.d.ts', type: 'FeeRefund' },
  { object: 'balance_transaction', file: 'BalanceTransactions.d.ts', type: 'BalanceTransaction' },
  { object: 'terminal.reader', file: 'Terminal/Readers.d.ts', type: 'Reader', deleted: 'DeletedReader' },
  { object: 'terminal.location', file: 'Terminal/Locations.d.ts', type: 'Location', deleted: 'DeletedLocation' },
  {
    object: 'terminal.configuration',
    file: 'Terminal/Configurations.d.ts',
    type: 'Configuration',
    deleted: 'DeletedConfiguration',
  },
  { object: 'terminal.connection_token', file: 'Terminal/ConnectionTokens.d.ts', type: 'ConnectionToken' },
];

/** Objects that are envelopes, not resources: a `{ object: 'list' }` is a structure like any other. */
const envelopes = new Set(['list', 'search_result']);

export interface Coverage {
  objectTypes: number;
  /** Every field of every structure reachable from the served objects. */
  fields: number;
  structures: number;
  expandablePaths: number;
}

export function generateShapes(): { shapes: Shapes; coverage: Coverage } {
  const files = servedObjects.map((served) => join(resourcesDir, served.file));
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const types: Record<string, Struct> = {};
  const owners = new Map<string, ts.Symbol>();
  const pending: Array<{ name: string; type: ts.Type }> = [];

  const declaredType = (file: string, name: string): ts.Type => {
    const source = program.getSourceFile(join(resourcesDir, file));
    if (!source) throw new Error(`stripe-node has no ${file}`);
    const declaration = source.statements.find(
      (statement): statement is ts.InterfaceDeclaration =>
        ts.isInterfaceDeclaration(statement) && statement.name.text === name,
    );
    if (!declaration) throw new Error(`${file} declares no interface ${name}`);
    return checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(declaration.name)!);
  };

  /** `Reader.Action`, `Terminal.Configuration.Tipping` (a subdirectory of resources prefixes the name). */
  const structName = (type: ts.Type, fallback: string): string => {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (!symbol || symbol.name === '__type' || symbol.name === '__object') return fallback;
    const declaration = symbol.declarations?.[0];
    let name = checker.getFullyQualifiedName(symbol).replace(/^"[^"]*"\./, '');
    const args = (type as ts.TypeReference).typeArguments ?? type.aliasTypeArguments;
    if (args && args.length > 0) name += `<${args.map((arg) => checker.typeToString(arg)).join(',')}>`;
    if (declaration) {
      const file = relative(resourcesDir, declaration.getSourceFile().fileName);
      const folder = file.includes(sep) && !file.startsWith('..') ? file.split(sep).slice(0, -1).join('.') : '';
      if (folder && !name.startsWith(`${folder}.`)) name = `${folder}.${name}`;
    }
    const owner = owners.get(name);
    if (owner && owner !== symbol && !args) throw new Error(`two structures named ${name}`);
    owners.set(name, symbol);
    return name;
  };

  const literalObject = (type: ts.Type): string | null => {
    const property = type.getProperty('object');
    if (!property) return null;
    const valueType = checker.getTypeOfSymbol(property);
    return valueType.isStringLiteral() ? valueType.value : null;
  };

  const isOtherString = (type: ts.Type): boolean =>
    type.isIntersection() && type.types.some((part) => (part.flags & ts.TypeFlags.String) !== 0);

  function alternatives(type: ts.Type, where: string): Alternative[] {
    const members = type.isUnion() ? type.types : [type];
    const out: Alternative[] = [];
    const literals: Array<string | number | boolean> = [];
    let open = false;
    let sawTrue = false;
    let sawFalse = false;
    for (const member of members) {
      const flags = member.flags;
      if (flags & ts.TypeFlags.Undefined) continue;
      if (flags & ts.TypeFlags.Null) out.push('null');
      else if (flags & ts.TypeFlags.Void) out.push('absent');
      else if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) out.push('any');
      else if (flags & ts.TypeFlags.String) out.push('string');
      else if (flags & ts.TypeFlags.Number) out.push('number');
      else if (flags & ts.TypeFlags.BooleanLiteral) {
        if (checker.typeToString(member) === 'true') sawTrue = true;
        else sawFalse = true;
      } else if (member.isStringLiteral() || member.isNumberLiteral()) literals.push(member.value);
      else if (isOtherString(member)) open = true;
      else if (flags & ts.TypeFlags.Object) out.push(objectAlternative(member, where));
      else throw new Error(`${where}: unsupported type ${checker.typeToString(member)}`);
    }
    if (sawTrue && sawFalse) out.push('boolean');
    else if (sawTrue) literals.push(true);
    else if (sawFalse) literals.push(false);
    if (literals.length > 0) out.push(open ? { enum: literals, open: true } : { enum: literals });
    else if (open) out.push('string');
    // One entry per kind: `string | Customer | DeletedCustomer` names the object once.
    const seen = new Set<string>();
    return out.filter((alternative) => {
      const key = JSON.stringify(alternative);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function objectAlternative(type: ts.Type, where: string): Alternative {
    if (checker.isArrayType(type)) {
      return { array: alternatives(checker.getTypeArguments(type as ts.TypeReference)[0]!, `${where}[]`) };
    }
    const symbolName = (type.aliasSymbol ?? type.getSymbol())?.name;
    // stripe-node's Decimal wraps a `decimal_string` field, which is a string on the wire.
    if (symbolName === 'Decimal' || symbolName === 'DecimalImpl') return 'string';
    const stringIndex = type.getStringIndexType();
    if (stringIndex && type.getProperties().length === 0) return { map: alternatives(stringIndex, `${where}{}`) };
    const object = literalObject(type);
    if (object !== null && !envelopes.has(object)) return { object };
    const name = structName(type, where);
    if (name === 'Event.Data.Object') return { object: '*' };
    if (type.getProperties().length === 0) return 'any';
    if (!(name in types)) {
      types[name] = { fields: {} };
      pending.push({ name, type });
    }
    return { ref: name };
  }

  function describe(name: string, type: ts.Type): void {
    const fields: Record<string, Field> = {};
    for (const property of checker.getPropertiesOfType(type)) {
      const field: Field = { type: alternatives(checker.getTypeOfSymbol(property), `${name}.${property.name}`) };
      if (property.flags & ts.SymbolFlags.Optional) field.optional = true;
      fields[property.name] = field;
    }
    types[name] = { fields };
  }

  const objects: Shapes['objects'] = {};
  for (const served of servedObjects) {
    // A served object is a structure of its own here (elsewhere a field names it by its `object`).
    const liveName = structName(declaredType(served.file, served.type), served.type);
    if (!(liveName in types)) {
      types[liveName] = { fields: {} };
      pending.push({ name: liveName, type: declaredType(served.file, served.type) });
    }
    const entry: { type: string; deleted?: string } = { type: liveName };
    if (served.deleted) {
      const deletedType = declaredType(served.file, served.deleted);
      const deletedName = structName(deletedType, served.deleted);
      types[deletedName] = { fields: {} };
      pending.push({ name: deletedName, type: deletedType });
      entry.deleted = deletedName;
    }
    objects[served.object] = entry;
  }
  // The error envelope's `error`: stripe-node types it where a reader action reports an API error.
  const readerType = declaredType('Terminal/Readers.d.ts', 'Reader');
  const actionType = checker.getNonNullableType(checker.getTypeOfSymbol(readerType.getProperty('action')!));
  const errorType = checker.getNonNullableType(checker.getTypeOfSymbol(actionType.getProperty('api_error')!));
  const error = objectAlternative(errorType, 'error');
  if (typeof error !== 'object' || !('ref' in error)) throw new Error('the API error is not a structure');

  while (pending.length > 0) {
    const next = pending.shift()!;
    describe(next.name, next.type);
  }

  const expandable: Record<string, string[]> = {};
  for (const [object, entry] of Object.entries(objects)) {
    expandable[object] = expandablePaths(types, entry.type);
  }
  const sortedTypes = Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b)));
  const shapes: Shapes = {
    stripeNode: (JSON.parse(readFileSync(join(stripeDir, 'package.json'), 'utf8')) as { version: string }).version,
    objects,
    error: error.ref,
    types: sortedTypes,
    expandable,
  };
  return { shapes, coverage: coverageOf(shapes) };
}

/**
 * The `expand[]` paths of a structure: each field typed `string | Object`, found through nested
 * structures and arrays of them (never through another object, which has paths of its own).
 */
function expandablePaths(
  types: Record<string, Struct>,
  name: string,
  prefix = '',
  seen: ReadonlySet<string> = new Set(),
): string[] {
  const struct = types[name];
  if (!struct || seen.has(name)) return [];
  const inside = new Set(seen).add(name);
  const paths: string[] = [];
  for (const [fieldName, field] of Object.entries(struct.fields)) {
    const path = `${prefix}${fieldName}`;
    const flat = field.type.flatMap((alternative) =>
      typeof alternative === 'object' && 'array' in alternative ? alternative.array : [alternative],
    );
    if (
      flat.includes('string') &&
      flat.some((alternative) => typeof alternative === 'object' && 'object' in alternative)
    )
      paths.push(path);
    for (const alternative of flat) {
      if (typeof alternative === 'object' && 'ref' in alternative)
        paths.push(...expandablePaths(types, alternative.ref, `${path}.`, inside));
    }
  }
  return paths;
}

function coverageOf(shapes: Shapes): Coverage {
  return {
    objectTypes: Object.keys(shapes.objects).length,
    structures: Object.keys(shapes.types).length,
    fields: Object.values(shapes.types).reduce((sum, struct) => sum + Object.keys(struct.fields).length, 0),
    expandablePaths: Object.values(shapes.expandable).reduce((sum, paths) => sum + paths.length, 0),
  };
}

export function renderShapes(shapes: Shapes): string {
  return `${JSON.stringify(shapes, null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { shapes, coverage } = generateShapes();
  writeFileSync(shapesPath, renderShapes(shapes));
  process.stdout.write(
    `stripe-node ${shapes.stripeNode}: ${coverage.objectTypes} object types, ${coverage.structures} structures, ` +
      `${coverage.fields} fields, ${coverage.expandablePaths} expandable paths → ${relative(process.cwd(), shapesPath)}\n`,
  );
}
