/**
 * EventBridge event patterns: compiling (validating) a pattern's JSON and matching events
 * against it, with AWS's content filtering.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 *
 * Rules kept here, as AWS documents them:
 * - A pattern is a JSON object; each field is an object (a nested level) or a non-empty
 *   array of conditions, any of which may match (OR); all fields must match (AND).
 * - A field whose event value is an array matches if any element matches; for nested
 *   levels, all fields of that level must match within the same array element.
 * - `exists` looks at leaf values only: a field holding an object "does not exist" for it.
 * - `$or` takes an array of at least two objects at any level; one of them must match.
 * Invalid patterns throw InvalidEventPatternException "Event pattern is not valid. Reason: …"
 * with the reasons of AWS's rule compiler.
 */
import { compileCondition, type Condition, type Leaf } from './pattern-conditions.js';
import { InvalidEventPatternException } from './errors.js';

/** One level of a compiled pattern. */
interface PatternNode {
  /** Field name → its conditions (a leaf field) or a nested level. */
  fields: [string, Condition[] | PatternNode][];
  /** The branches of this level's `$or`, one of which must match too. */
  or?: PatternNode[];
}

/** A validated pattern, ready to match events. */
export interface EventPattern {
  /** Whether an event (a JSON object, such as AWS's envelope) matches the pattern. */
  matches(event: unknown): boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (reason: string): never => {
  throw new InvalidEventPatternException(reason);
};

function compileNode(object: Record<string, unknown>): PatternNode {
  const entries = Object.entries(object);
  if (entries.length === 0) fail('Empty objects are not allowed');
  const node: PatternNode = { fields: [] };
  for (const [key, value] of entries) {
    if (key === '$or') {
      node.or = compileOr(value);
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail('Empty arrays are not allowed');
      node.fields.push([key, value.map(compileCondition)]);
    } else if (isObject(value)) {
      node.fields.push([key, compileNode(value)]);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  return node;
}

function compileOr(value: unknown): PatternNode[] {
  if (!Array.isArray(value)) return fail('It must be an Array followed with $or.');
  const branches = value.map((branch) => (isObject(branch) ? compileNode(branch) : fail('Only JSON object is allowed in array of $or relationship.')));
  if (branches.length < 2) fail('There must have at least 2 Objects in $or relationship.');
  return branches;
}

/** Leaf values under one field: an array's elements (nested arrays flattened), never objects. */
function leavesOf(value: unknown, out: Leaf[] = []): Leaf[] {
  if (Array.isArray(value)) for (const v of value) leavesOf(v, out);
  else if (value !== undefined && !isObject(value)) out.push(value as Leaf);
  return out;
}

/** Objects under one field: the value itself, or an array's object elements (flattened). */
function objectsOf(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const v of value) objectsOf(v, out);
  else if (isObject(value)) out.push(value);
  return out;
}

function matchLeafField(conditions: Condition[], value: unknown): boolean {
  const leaves = leavesOf(value);
  return conditions.some((c) => (c.kind === 'exists' ? leaves.length > 0 === c.exists : leaves.some(c.test)));
}

function matchNode(node: PatternNode, value: unknown): boolean {
  const object = isObject(value) ? value : undefined;
  for (const [key, sub] of node.fields) {
    const child = object && Object.hasOwn(object, key) ? object[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeafField(sub, child)) return false;
    } else {
      // With no object to descend into, the level is matched against nothing, which
      // `exists: false` and anything-but-free conditions answer as for a missing field.
      const objects = objectsOf(child);
      if (objects.length === 0 ? !matchNode(sub, undefined) : !objects.some((o) => matchNode(sub, o))) return false;
    }
  }
  return node.or === undefined || node.or.some((branch) => matchNode(branch, value));
}

/** Compiles a pattern from its JSON text. Throws InvalidEventPatternException. */
export function compilePattern(text: string): EventPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // AWS quotes its JSON parser's own message here, which no other parser reproduces.
    return fail('Filter is not valid JSON');
  }
  if (!isObject(parsed)) return fail('Filter is not an object');
  const root = compileNode(parsed);
  return { matches: (event) => matchNode(root, event) };
}
