/**
 * The query protocol's answers: an operation's result, in the shape the JSON protocol
 * answers, written as SQS's XML (`<SendMessageResponse xmlns="…"><SendMessageResult>…`),
 * and errors as `<ErrorResponse><Error><Type>Sender</Type><Code>…`. Maps and lists are
 * flattened the way SQS's model says (an `Attribute` element per attribute with `Name` and
 * `Value`, a `Message` element per message, …).
 */

const SQS_XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** JSON members that are flattened lists in XML: the element name of each item. */
const LIST_ITEMS: Record<string, string> = {
  Messages: 'Message',
  QueueUrls: 'QueueUrl',
  queueUrls: 'QueueUrl',
  Failed: 'BatchResultErrorEntry',
};

/** JSON members that are flattened maps in XML: the element of each entry and its key and value names. */
const MAP_ITEMS: Record<string, { element: string; key: string; value: string }> = {
  Attributes: { element: 'Attribute', key: 'Name', value: 'Value' },
  MessageAttributes: { element: 'MessageAttribute', key: 'Name', value: 'Value' },
  Tags: { element: 'Tag', key: 'Key', value: 'Value' },
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[c]!);
}

function element(name: string, value: unknown, operation: string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const item = name === 'Successful' ? `${operation}ResultEntry` : (LIST_ITEMS[name] ?? name);
    return value.map((v) => element(item, v, operation)).join('');
  }
  if (typeof value === 'object') {
    const map = MAP_ITEMS[name];
    if (map) {
      return Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `<${map.element}><${map.key}>${escapeXml(k)}</${map.key}>${element(map.value, v, operation)}</${map.element}>`)
        .join('');
    }
    const inner = Object.entries(value as Record<string, unknown>).map(([k, v]) => element(k, v, operation)).join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<Op>Response` with its `<Op>Result` (when the operation has one) and the request id. */
export function xmlResult(operation: string, result: Record<string, unknown> | undefined, requestId: string): string {
  const body = result === undefined ? '' : `<${operation}Result>${Object.entries(result).map(([k, v]) => element(k, v, operation)).join('')}</${operation}Result>`;
  return `<?xml version="1.0"?><${operation}Response xmlns="${SQS_XML_NAMESPACE}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}

export function xmlError(type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0"?><ErrorResponse xmlns="${SQS_XML_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
