/**
 * The MD5 digests SQS returns with every message, which SDKs check against what they sent
 * or received: of the body (its UTF-8 bytes), and of the message attributes and message
 * system attributes, encoded as SQS documents:
 *   for each attribute, names sorted in ascending order:
 *     name length (4 bytes, big-endian) ‖ name (UTF-8)
 *     data type length ‖ data type (UTF-8)
 *     transport type (1 byte: 1 for String and Number values, 2 for Binary)
 *     value length ‖ value (UTF-8 of the string, or the raw binary bytes)
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from './model/queues.js';

const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, bytes];
}

/** The MD5 of a set of (system) message attributes; undefined for none, as SQS sends no digest then. */
export function md5OfAttributes(attributes: Record<string, MessageAttributeValue>): string | undefined {
  // SQS sorts names as Java compares strings: by UTF-16 code unit, which is what sort() does.
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const value = attributes[name]!;
    parts.push(...lengthPrefixed(Buffer.from(name, 'utf8')), ...lengthPrefixed(Buffer.from(value.dataType, 'utf8')));
    if (value.binaryValue !== undefined) {
      parts.push(Buffer.from([BINARY_TRANSPORT]), ...lengthPrefixed(value.binaryValue));
    } else {
      parts.push(Buffer.from([STRING_TRANSPORT]), ...lengthPrefixed(Buffer.from(value.stringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
}
