/**
 * TagResource, UntagResource and ListTags for functions. Tags belong to the function
 * as a whole; Lambda refuses them on a qualified ARN.
 * https://docs.aws.amazon.com/lambda/latest/dg/tagging.html
 */
import { parseFunctionName } from '../core/arn.js';
import { InvalidParameterValueException, validationError } from '../core/errors.js';
import { newRevisionId } from '../core/ids.js';
import type { FunctionRecord } from '../core/model/functions.js';
import type { StoreWrite } from '../store/metadata-store.js';
import type { ControlCore } from './function-core.js';
import { checkTags } from './function-validation.js';

const TAGGABLE_PATTERN =
  'arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})';
const TAGGABLE_RE = new RegExp(`^${TAGGABLE_PATTERN}$`);

/** The function a tag operation's Resource ARN names. */
function taggedFunction(core: ControlCore, resource: string): string {
  if (resource.length > 256 || !TAGGABLE_RE.test(resource)) {
    throw validationError(resource, 'resource', `Member must satisfy regular expression pattern: ${TAGGABLE_PATTERN}`);
  }
  if (!/:function:/.test(resource)) throw new InvalidParameterValueException('Gust supports tags on functions only.');
  const ref = parseFunctionName(resource, core.partition);
  if (ref.qualifier !== undefined) {
    throw new InvalidParameterValueException('Tags on function aliases and versions are not supported. Please specify a function ARN.');
  }
  return ref.name;
}

/**
 * Writes the new tags. Lambda gives `$LATEST` a new RevisionId when the tags change,
 * so a client holding the old one is refused its next update.
 */
async function writeTags(core: ControlCore, record: FunctionRecord, tags: Record<string, string>): Promise<void> {
  const writes: StoreWrite[] = [{ kind: 'putFunction', record: { ...record, tags } }];
  const latest = core.registry.getVersion(record.name, '$LATEST');
  if (latest) writes.push({ kind: 'putVersion', version: { ...latest, revisionId: newRevisionId() } });
  await core.commit(record.name, writes, { kind: 'tags' });
}

export async function tagResource(core: ControlCore, resource: string, tags: Record<string, string>): Promise<void> {
  const name = taggedFunction(core, resource);
  if (Object.keys(tags).length === 0) throw new InvalidParameterValueException('An error occurred and the request cannot be processed.');
  core.requireFunction(name);
  await core.locks.run(name, async () => {
    const record = core.requireFunction(name);
    checkTags(tags, record.tags);
    await writeTags(core, record, { ...record.tags, ...tags });
  });
}

export async function untagResource(core: ControlCore, resource: string, keys: string[]): Promise<void> {
  const name = taggedFunction(core, resource);
  if (keys.length === 0) throw validationError(null, 'tagKeys', 'Member must not be null');
  core.requireFunction(name);
  await core.locks.run(name, async () => {
    const record = core.requireFunction(name);
    const tags = Object.fromEntries(Object.entries(record.tags).filter(([key]) => !keys.includes(key)));
    await writeTags(core, record, tags);
  });
}

export function listTags(core: ControlCore, resource: string): Record<string, string> {
  return core.requireFunction(taggedFunction(core, resource)).tags;
}
