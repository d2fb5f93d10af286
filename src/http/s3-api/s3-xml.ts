/**
 * S3's XML, both ways, with fast-xml-parser: answers built from plain objects (an array
 * is a repeated element, as S3's flattened lists are), and request bodies parsed with the
 * elements that may repeat always read as arrays. A body that does not parse is S3's
 * MalformedXML.
 *
 * fast-xml-parser loads (its CommonJS build, synchronously) at the first S3 request that
 * reads or writes XML, not when the server starts: a server that serves no S3 does not pay
 * for it on the way to its first /health (issue 19).
 */
import { createRequire } from 'node:module';
import type { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { MalformedXML } from '../../core/s3-errors.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

let xml: { builder: XMLBuilder; parser: XMLParser } | undefined;

function loadXml(): { builder: XMLBuilder; parser: XMLParser } {
  if (!xml) {
    const fxp = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
    xml = {
      builder: new fxp.XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false }),
      parser: new fxp.XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (name) => REPEATED.has(name) }),
    };
  }
  return xml;
}

/** Elements of request bodies that are lists, even with one item. */
const REPEATED = new Set(['Part', 'Object', 'Tag', 'LambdaFunctionConfiguration', 'QueueConfiguration', 'TopicConfiguration', 'CloudFunctionConfiguration', 'Event', 'FilterRule']);

/** `<?xml …?><Root xmlns="…">…</Root>` from `{ Root: {...} }`. */
export function xmlDocument(root: string, body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${loadXml().builder.build({ [root]: { '@_xmlns': S3_NAMESPACE, ...body } })}`;
}

/** An error document (no namespace, as S3 sends it). */
export function xmlErrorDocument(body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${loadXml().builder.build({ Error: body })}`;
}

/** The root element's content of a request body; MalformedXML if it does not parse or `root` is not its root. */
export function parseXml(body: Buffer, root: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = loadXml().parser.parse(body.toString('utf8'), true) as Record<string, unknown>;
  } catch {
    throw new MalformedXML();
  }
  const content = doc[root];
  if (content === undefined) throw new MalformedXML();
  return content === '' ? {} : (content as Record<string, unknown>);
}

/** A child element's text, or undefined. */
export function text(node: unknown, name: string): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeated child element's items (objects), or none. */
export function items(node: unknown, name: string): Record<string, unknown>[] {
  if (node === null || typeof node !== 'object') return [];
  const v = (node as Record<string, unknown>)[name];
  return Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {})) : [];
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>…` as a map. */
export function parseTagging(body: Buffer): Record<string, string> {
  const tagSet = parseXml(body, 'Tagging')['TagSet'];
  const tags: Record<string, string> = {};
  for (const tag of items(tagSet, 'Tag')) {
    const key = text(tag, 'Key');
    if (key === undefined) throw new MalformedXML();
    tags[key] = text(tag, 'Value') ?? '';
  }
  return tags;
}

/** A tag map as S3's TagSet. */
export function tagSet(tags: Record<string, string>): Record<string, unknown> {
  return { TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } };
}
