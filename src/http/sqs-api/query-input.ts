/**
 * The query protocol's request (`Action=SendMessage&QueueUrl=…&MessageAttribute.1.Name=…`,
 * a form body or a query string) read into the shape the JSON protocol sends, so that one
 * set of operation handlers serves both. SQS's query names are flattened: a map is
 * `<Prefix>.<n>.<Key|Name>` and `.Value`, a list is `<Prefix>.<n>`, and batch entries are
 * `<Operation>RequestEntry.<n>.<Member>`, each with its own nested maps.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-xml.html
 */
import { InvalidParameterValue } from '../../core/sqs-errors.js';

/** Query map prefixes → the JSON member, and the names of an entry's key and value. */
const MAPS: Record<string, { member: string; key: string; value: string }> = {
  Attribute: { member: 'Attributes', key: 'Name', value: 'Value' },
  Tag: { member: 'Tags', key: 'Key', value: 'Value' },
  Tags: { member: 'Tags', key: 'Key', value: 'Value' },
  MessageAttribute: { member: 'MessageAttributes', key: 'Name', value: 'Value' },
  MessageSystemAttribute: { member: 'MessageSystemAttributes', key: 'Name', value: 'Value' },
};

/** Query list prefixes → the JSON member. */
const LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
  AWSAccountId: 'AWSAccountIds',
  ActionName: 'Actions',
};

/** Members the JSON protocol sends as numbers; the query protocol sends digits. */
const INTEGERS = new Set(['DelaySeconds', 'MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds', 'MaxResults']);

/** An empty list or map is sent as its JSON member's name with no value (`Entries=`). */
const EMPTY_AS: Record<string, () => unknown> = {
  Entries: () => [],
  ...Object.fromEntries(Object.values(LISTS).map((member) => [member, () => []])),
  ...Object.fromEntries(Object.values(MAPS).map(({ member }) => [member, () => ({})])),
};

const ENTRY_LIST = /^(SendMessageBatch|DeleteMessageBatch|ChangeMessageVisibilityBatch)RequestEntry$/;

interface Tree {
  value?: string;
  children: Map<string, Tree>;
}

function insert(tree: Tree, path: string[], value: string): void {
  let node = tree;
  for (const part of path) {
    let child = node.children.get(part);
    if (!child) node.children.set(part, (child = { children: new Map() }));
    node = child;
  }
  node.value = value;
}

/** The children of a numbered level (`.1`, `.2`, …) in number order. */
function numbered(node: Tree): Tree[] {
  return [...node.children.entries()].filter(([k]) => /^[0-9]+$/.test(k)).sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => v);
}

function integer(name: string, raw: string): number {
  if (!/^-?[0-9]{1,15}$/.test(raw.trim())) throw new InvalidParameterValue(`Value ${raw} for parameter ${name} is invalid. Reason: ${name} must be an integer.`);
  return Number(raw.trim());
}

/** A message attribute value: `Value.StringValue`, `Value.BinaryValue`, `Value.DataType`. */
function attributeValue(node: Tree | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, child] of node?.children ?? []) if (child.value !== undefined) out[k] = child.value;
  return out;
}

function objectOf(node: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, child] of node.children) {
    const map = MAPS[name];
    const list = LISTS[name];
    if (map) {
      const entries = (out[map.member] ??= {}) as Record<string, unknown>;
      for (const item of numbered(child)) {
        const key = item.children.get(map.key)?.value;
        if (key === undefined) continue;
        const value = item.children.get(map.value);
        entries[key] = value?.children.size ? attributeValue(value) : (value?.value ?? '');
      }
    } else if (list) {
      out[list] = numbered(child).map((item) => item.value ?? '');
    } else if (ENTRY_LIST.test(name)) {
      out.Entries = numbered(child).map(objectOf);
    } else if (child.value !== undefined) {
      out[name] = INTEGERS.has(name) ? integer(name, child.value) : EMPTY_AS[name] !== undefined && child.value === '' ? EMPTY_AS[name]() : child.value;
    }
  }
  return out;
}

/** The action and its members, from the form body and query string parameters. */
export function readQueryRequest(params: URLSearchParams): { action: string | undefined; input: Record<string, unknown> } {
  const tree: Tree = { children: new Map() };
  let action: string | undefined;
  for (const [key, value] of params) {
    if (key === 'Action') action = value;
    else if (key !== 'Version' && !key.startsWith('X-Amz-')) insert(tree, key.split('.'), value);
  }
  return { action, input: objectOf(tree) };
}
