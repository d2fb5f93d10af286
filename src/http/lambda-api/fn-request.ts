/**
 * Reading the function routes' requests: the FunctionName path parameter (name, ARN or
 * partial ARN, with or without a qualifier), query parameters, and typed JSON members.
 * A member of the wrong JSON type is AWS's InvalidRequestContentException; value rules
 * are the service's to check.
 */
import type { FastifyRequest } from 'fastify';
import { parseFunctionName, resolveQualifier, type FunctionRef, type Partition } from '../../core/arn.js';
import { InvalidParameterValueException, InvalidRequestContentException, validationError } from '../../core/errors.js';
import type { PageRequest } from '../../control/function-inputs.js';
import { jsonBody } from '../body.js';
import { StagedUpload } from '../upload-body.js';

type Params = Record<string, string | undefined>;
type Query = Record<string, string | string[] | undefined>;

/** A path parameter (Fastify has already URL-decoded it). */
export function pathParam(request: FastifyRequest, name: string): string {
  return (request.params as Params)[name] ?? '';
}

/** A query parameter given at most once; undefined when absent. */
export function queryString(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Query)[name];
  if (Array.isArray(value)) throw validationError(undefined, lowerFirst(name), 'Member must be given once');
  return value;
}

/** A query parameter that may repeat (`tagKeys=a&tagKeys=b`). */
export function queryList(request: FastifyRequest, name: string): string[] {
  const value = (request.query as Query)[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** An integer query parameter within the model's range. */
export function queryInt(request: FastifyRequest, name: string, min: number, max: number): number | undefined {
  const raw = queryString(request, name);
  if (raw === undefined) return undefined;
  const value = /^-?[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
  const field = lowerFirst(name);
  if (Number.isNaN(value)) throw validationError(raw, field, 'Member must be an integer');
  if (value < min) throw validationError(raw, field, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(raw, field, `Member must have value less than or equal to ${max}`);
  return value;
}

/** Marker and MaxItems of a List operation (MaxItems 1–10000, as the model says). */
export function pageQuery(request: FastifyRequest): PageRequest {
  return { marker: queryString(request, 'Marker'), maxItems: queryInt(request, 'MaxItems', 1, 10000) };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The FunctionName path parameter merged with an optional `Qualifier` query parameter. */
export function functionTarget(request: FastifyRequest, partition: Partition): { name: string; qualifier?: string } {
  const ref = parseFunctionName(pathParam(request, 'FunctionName'), partition);
  const qualifier = resolveQualifier(ref, queryString(request, 'Qualifier'));
  return qualifier === undefined ? { name: ref.name } : { name: ref.name, qualifier };
}

/**
 * The FunctionName of an operation that acts on the function as a whole. AWS accepts
 * `$LATEST` there; any other qualifier is refused with the message `message`.
 */
export function unqualifiedFunction(ref: FunctionRef, message: string): string {
  if (ref.qualifier !== undefined && ref.qualifier !== '$LATEST') throw new InvalidParameterValueException(message);
  return ref.name;
}

function typeError(member: string, expected: string): InvalidRequestContentException {
  return new InvalidRequestContentException(`Could not parse request body into json: ${member} must be ${expected}`);
}

/** Typed access to a JSON object's members; `null` counts as absent, as AWS treats it. */
export class JsonObject {
  constructor(
    private readonly value: Record<string, unknown>,
    private readonly path = '',
  ) {}

  static fromBody(request: FastifyRequest): JsonObject {
    return new JsonObject(jsonBody(request));
  }

  private get(key: string): unknown {
    const v = Object.prototype.hasOwnProperty.call(this.value, key) ? this.value[key] : undefined;
    return v === null ? undefined : v;
  }

  private name(key: string): string {
    return this.path + key;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  string(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw typeError(this.name(key), 'a string');
    return v;
  }

  integer(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw typeError(this.name(key), 'an integer');
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw typeError(this.name(key), 'a boolean');
    return v;
  }

  object(key: string): JsonObject | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(this.name(key), 'an object');
    return new JsonObject(v as Record<string, unknown>, `${this.name(key)}.`);
  }

  stringList(key: string): string[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) throw typeError(this.name(key), 'a list of strings');
    return v;
  }

  /** A list of objects (FilterCriteria.Filters), each read as a JsonObject. */
  objectList(key: string): JsonObject[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x))) throw typeError(this.name(key), 'a list of objects');
    return v.map((x, i) => new JsonObject(x as Record<string, unknown>, `${this.name(key)}.${i}.`));
  }

  /** The length of a list member whose items Gust does not read. */
  listLength(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw typeError(this.name(key), 'a list');
    return v.length;
  }

  stringMap(key: string): Record<string, string> | undefined {
    return this.map(key, 'a map of strings', (x): x is string => typeof x === 'string');
  }

  numberMap(key: string): Record<string, number> | undefined {
    return this.map(key, 'a map of numbers', (x): x is number => typeof x === 'number');
  }

  private map<T>(key: string, expected: string, ok: (x: unknown) => x is T): Record<string, T> | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v as object).every(ok)) throw typeError(this.name(key), expected);
    // A plain copy: keys such as __proto__ stay data.
    return Object.fromEntries(Object.entries(v as Record<string, T>)) as Record<string, T>;
  }

  /** A zip member (ZipFile): the upload the body reader staged, or base64 strictly decoded. */
  zip(key: string): Buffer | StagedUpload | undefined {
    const staged = this.get(key);
    if (staged instanceof StagedUpload) return staged;
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 === 1) throw typeError(this.name(key), 'base64');
    return Buffer.from(v, 'base64');
  }
}
