/**
 * Reading typed members out of an awsJson1_1 request body. A missing required member is
 * AWS's ValidationException; a member of the wrong JSON type is a SerializationException,
 * as the JSON protocols answer a body they cannot deserialise.
 */
import { LambdaError, validationError, ValidationException } from '../../core/errors.js';

/** An EventBridge request body that is not a JSON object, or a member of the wrong JSON type. */
export class SerializationException extends LambdaError {
  constructor(message: string) {
    super('SerializationException', 400, message);
  }
}

/** AWS names members in messages in camelCase: `Name` → `name`, `EventBusName` → `eventBusName`. */
const memberName = (field: string): string => field.charAt(0).toLowerCase() + field.slice(1);

function required(field: string): ValidationException {
  return validationError(null, memberName(field), 'Member must not be null');
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SerializationException(`${field} must be a string.`);
  return v;
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const v = optionalString(body, field);
  if (v === undefined) throw required(field);
  return v;
}

export function optionalInteger(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new SerializationException(`${field} must be an integer.`);
  return v;
}

/** A list member; each element is checked by `item`. */
export function optionalList<T>(body: Record<string, unknown>, field: string, item: (v: unknown, index: number) => T): T[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new SerializationException(`${field} must be a list.`);
  return v.map(item);
}

export function requiredList<T>(body: Record<string, unknown>, field: string, item: (v: unknown, index: number) => T): T[] {
  const list = optionalList(body, field, item);
  if (list === undefined) throw required(field);
  return list;
}

export function structure(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SerializationException(`${field} members must be structures.`);
  return v as Record<string, unknown>;
}

export function stringItem(field: string): (v: unknown) => string {
  return (v) => {
    if (typeof v !== 'string') throw new SerializationException(`${field} members must be strings.`);
    return v;
  };
}

/**
 * A timestamp member: awsJson sends epoch seconds (with a fraction); an ISO 8601 string is
 * taken too. Returns epoch milliseconds.
 */
export function optionalTimestamp(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.round(v * 1000);
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new SerializationException(`${field} must be a timestamp.`);
}

/** Drops undefined members, so answers carry only what is set. */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
