/**
 * Typed reading of an SQS request's members (the JSON protocol's body, or the query
 * protocol's parameters read into the same shape), with SQS's errors for a member of the
 * wrong type or a missing required one, and the conversions between the wire's message
 * attributes (`{DataType, StringValue, BinaryValue: base64}`) and the service's.
 */
import type { MessageAttributeValue } from '../../core/model/queues.js';
import { InvalidParameterValue, MissingParameter } from '../../core/sqs-errors.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function wrongType(name: string, value: unknown, expected: string): InvalidParameterValue {
  return new InvalidParameterValue(`Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: ${name} must be ${expected}.`);
}

export class Members {
  constructor(private readonly value: Record<string, unknown>) {}

  private get(name: string): unknown {
    const v = Object.hasOwn(this.value, name) ? this.value[name] : undefined;
    return v === null ? undefined : v;
  }

  string(name: string): string | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw wrongType(name, v, 'a string');
    return v;
  }

  requiredString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new MissingParameter(name);
    return v;
  }

  integer(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw wrongType(name, v, 'an integer');
    return v;
  }

  stringList(name: string): string[] | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw wrongType(name, v, 'a list of strings');
    return v as string[];
  }

  stringMap(name: string): Record<string, string> | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!isObject(v) || !Object.values(v).every((s) => typeof s === 'string')) throw wrongType(name, v, 'a map of strings');
    return v as Record<string, string>;
  }

  /** A list of objects (batch entries), each read with Members. */
  objectList(name: string): Members[] | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every(isObject)) throw wrongType(name, v, 'a list of entries');
    return v.map((o) => new Members(o as Record<string, unknown>));
  }

  /** MessageAttributes or MessageSystemAttributes, in the service's shape. */
  messageAttributes(name: string): Record<string, MessageAttributeValue> | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!isObject(v)) throw wrongType(name, v, 'a map of message attributes');
    const out: Record<string, MessageAttributeValue> = {};
    for (const [key, raw] of Object.entries(v)) {
      if (!isObject(raw)) throw wrongType(`${name}.${key}`, raw, 'a message attribute value');
      const attr = new Members(raw);
      const binary = attr.string('BinaryValue');
      const stringValue = attr.string('StringValue');
      out[key] = {
        dataType: attr.string('DataType') ?? '',
        ...(stringValue === undefined ? {} : { stringValue }),
        ...(binary === undefined ? {} : { binaryValue: Buffer.from(binary, 'base64') }),
      };
    }
    return out;
  }
}

/** Message attributes as both protocols answer them. */
export function wireAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, v] of Object.entries(attributes)) {
    out[name] = v.binaryValue !== undefined ? { BinaryValue: v.binaryValue.toString('base64'), DataType: v.dataType } : { StringValue: v.stringValue ?? '', DataType: v.dataType };
  }
  return out;
}
