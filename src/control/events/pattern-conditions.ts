/**
 * The leaf conditions of an EventBridge event pattern (the members of a field's array):
 * their validation, with the reasons AWS's rule compiler gives, and their test against one
 * leaf value of an event. pattern.ts assembles them into a whole pattern.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
import { BlockList, isIP } from 'node:net';
import { InvalidEventPatternException } from './errors.js';

/** A JSON value that is not an object or array: what a condition is tested against. */
export type Leaf = string | number | boolean | null;

/** One compiled condition: `test` says whether one leaf value satisfies it. */
export type Condition =
  | { kind: 'exists'; exists: boolean }
  | { kind: 'value'; test: (leaf: Leaf) => boolean };

const fail = (reason: string): never => {
  throw new InvalidEventPatternException(reason);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Exactly one key, as every match expression has. */
function singleKey(expression: Record<string, unknown>): [string, unknown] {
  const entries = Object.entries(expression);
  if (entries.length === 0) fail('Match expression name not found');
  if (entries.length > 1) fail('Only one key allowed in match expression');
  return entries[0]!;
}

const lower = (s: string): string => s.toLowerCase();

/** `prefix` / `suffix` with a string, or with `{"equals-ignore-case": string}`. */
function affix(op: 'prefix' | 'suffix', arg: unknown): (leaf: Leaf) => boolean {
  const has = (s: string, part: string): boolean => (op === 'prefix' ? s.startsWith(part) : s.endsWith(part));
  if (typeof arg === 'string') return (leaf) => typeof leaf === 'string' && has(leaf, arg);
  if (isObject(arg)) {
    const [inner, value] = singleKey(arg);
    if (inner !== 'equals-ignore-case') fail(`Unsupported ${op} pattern: ${inner}`);
    if (typeof value !== 'string') fail('equals-ignore-case match pattern must be a string');
    const part = lower(value as string);
    return (leaf) => typeof leaf === 'string' && has(lower(leaf), part);
  }
  return fail(`${op} match pattern must be a string`);
}

/** A `wildcard` value as a regular expression: `*` is any run of characters, `\*` a star. */
function wildcard(arg: unknown): RegExp {
  if (typeof arg !== 'string') return fail('wildcard match pattern must be a string');
  const doubled = arg.indexOf('**');
  if (doubled >= 0) fail(`Consecutive wildcard characters at pos ${doubled + 1}`);
  let source = '';
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i]!;
    if (c === '\\' && i + 1 < arg.length) source += escapeRegExp(arg[++i]!);
    else source += c === '*' ? '[\\s\\S]*' : escapeRegExp(c);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `anything-but` with a value, a list of values, or a nested prefix/suffix/ignore-case/wildcard. */
function anythingBut(arg: unknown): (leaf: Leaf) => boolean {
  if (isObject(arg)) {
    const [op, value] = singleKey(arg);
    if (op === 'prefix' || op === 'suffix') {
      if (typeof value !== 'string') fail('prefix/suffix match pattern must be a string');
      if (value === '') fail('Null prefix/suffix not allowed');
      const test = affix(op, value);
      return (leaf) => !test(leaf);
    }
    if (op === 'equals-ignore-case') {
      const list = Array.isArray(value) ? value : [value];
      if (list.length === 0 || !list.every((v) => typeof v === 'string')) {
        fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      }
      const excluded = new Set((list as string[]).map(lower));
      return (leaf) => !(typeof leaf === 'string' && excluded.has(lower(leaf)));
    }
    if (op === 'wildcard') {
      const res = (Array.isArray(value) ? value : [value]).map(wildcard);
      return (leaf) => !(typeof leaf === 'string' && res.some((re) => re.test(leaf)));
    }
    return fail(`Unsupported anything-but pattern: ${op}`);
  }
  let values: unknown[];
  if (Array.isArray(arg)) {
    if (arg.some((v) => typeof v !== 'string' && typeof v !== 'number')) fail('Inside anything but list, start|null|boolean is not supported.');
    const strings = arg.filter((v) => typeof v === 'string').length;
    if (strings !== 0 && strings !== arg.length) fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    if (arg.length === 0) fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    values = arg;
  } else if (typeof arg === 'string' || typeof arg === 'number') {
    values = [arg];
  } else {
    return fail('Value of anything-but must be an array or single string/number value.');
  }
  // Type-strict: the number 5 is not the string "5", so it is "anything but" ["5"].
  return (leaf) => !values.includes(leaf);
}

type Bound = { value: number; inclusive: boolean };

/** `numeric`: `["=", n]`, `["<"|"<=", n]`, or `[">"|">=", n]` optionally followed by `"<"|"<=", m`. */
function numeric(arg: unknown): (leaf: Leaf) => boolean {
  if (!Array.isArray(arg)) return fail('Value of numeric must be an array.');
  const [op, value, op2, value2, ...rest] = arg as unknown[];
  if (typeof op !== 'string') return fail(`Invalid member in numeric match: ${arg.length === 0 ? ']' : JSON.stringify(op)}`);
  if (!['=', '<', '<=', '>', '>='].includes(op)) fail(`Unrecognized numeric range operator: ${op}`);
  if (typeof value !== 'number') fail(`Value of ${op === '=' ? 'equals' : op} must be numeric`);
  const n = value as number;
  if (op === '=') {
    if (arg.length > 2) fail('Too many elements in numeric expression');
    return (leaf) => leaf === n;
  }
  let lowerBound: Bound | undefined;
  let upperBound: Bound | undefined;
  if (op === '<' || op === '<=') {
    if (arg.length > 2) fail('Too many elements in numeric expression');
    upperBound = { value: n, inclusive: op === '<=' };
  } else {
    lowerBound = { value: n, inclusive: op === '>=' };
    if (arg.length > 2) {
      if (typeof op2 !== 'string') fail(`Bad value in numeric range: ${JSON.stringify(op2)}`);
      if (op2 !== '<' && op2 !== '<=') fail(`Bad numeric range operator: ${String(op2)}`);
      if (typeof value2 !== 'number') fail(`Value of ${String(op2)} must be numeric`);
      if (rest.length > 0) fail('Too many terms in numeric range expression');
      if ((value2 as number) <= n) fail('Bottom must be less than top');
      upperBound = { value: value2 as number, inclusive: op2 === '<=' };
    }
  }
  return (leaf) =>
    typeof leaf === 'number' &&
    (!lowerBound || (lowerBound.inclusive ? leaf >= lowerBound.value : leaf > lowerBound.value)) &&
    (!upperBound || (upperBound.inclusive ? leaf <= upperBound.value : leaf < upperBound.value));
}

/** `cidr`: an IPv4 or IPv6 block that a string IP address must fall in. */
function cidr(arg: unknown): (leaf: Leaf) => boolean {
  // AWS's compiler reuses the prefix message here.
  if (typeof arg !== 'string') return fail('prefix match pattern must be a string');
  const parts = arg.split('/');
  if (parts.length !== 2) return fail("Malformed CIDR, one '/' required");
  const [address, bitsText] = parts as [string, string];
  if (!/^\d+$/.test(bitsText)) return fail('Malformed CIDR, mask bits must be an integer');
  const family = isIP(address);
  const bits = Number(bitsText);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) return fail(`Nonstandard IP address: ${address}`);
  const blocks = new BlockList();
  blocks.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    const leafFamily = isIP(leaf);
    return leafFamily !== 0 && blocks.check(leaf, leafFamily === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Compiles one member of a field's array: a literal value or a match expression object. */
export function compileCondition(member: unknown): Condition {
  if (member === null || typeof member === 'string' || typeof member === 'number' || typeof member === 'boolean') {
    // Exact match, type-strict: "5" matches the string, 5 the number (5.0 too).
    return { kind: 'value', test: (leaf) => leaf === member };
  }
  if (!isObject(member)) return fail('Match value must be String, number, true, false, or null');
  const [op, arg] = singleKey(member);
  switch (op) {
    case 'exists':
      if (typeof arg !== 'boolean') fail('exists match pattern must be either true or false.');
      return { kind: 'exists', exists: arg as boolean };
    case 'prefix':
    case 'suffix':
      return { kind: 'value', test: affix(op, arg) };
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') fail('equals-ignore-case match pattern must be a string');
      const want = lower(arg as string);
      return { kind: 'value', test: (leaf) => typeof leaf === 'string' && lower(leaf) === want };
    }
    case 'anything-but':
      return { kind: 'value', test: anythingBut(arg) };
    case 'numeric':
      return { kind: 'value', test: numeric(arg) };
    case 'cidr':
      return { kind: 'value', test: cidr(arg) };
    case 'wildcard': {
      const re = wildcard(arg);
      return { kind: 'value', test: (leaf) => typeof leaf === 'string' && re.test(leaf) };
    }
    default:
      return fail(`Unrecognized match type ${op}`);
  }
}
