/**
 * Warm environments survive control-plane changes that do not reach them, through the real
 * SDK against a real server: TagResource and PublishVersion bump $LATEST's RevisionId, and
 * a new description changes only bookkeeping, so $LATEST's next invoke runs on the same
 * runtime process (the same id, no Init Duration in its REPORT line). A change the runtime sees (an
 * environment variable) starts a new one, and leaves a published version's environment,
 * which is immutable, warm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetFunctionConfigurationCommand, PublishVersionCommand, TagResourceCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction, invoke, waitActive } from '../helpers/lambda.js';

// An id drawn once per runtime process: a pid is not unique across environments in their
// own pid namespaces.
const HANDLER = `const id = require('node:crypto').randomUUID();\nexports.handler = async () => ({ id, stage: process.env.STAGE ?? null });\n`;

interface Answer {
  id: string;
  stage: string | null;
  cold: boolean;
}

let t: TestGust;

beforeAll(async () => {
  t = await startTestGust();
});

afterAll(async () => {
  await t.stop();
});

async function run(name: string, qualifier?: string): Promise<Answer> {
  const r = await invoke(t.lambda, name, {}, { LogType: 'Tail', ...(qualifier ? { Qualifier: qualifier } : {}) });
  expect(r.functionError).toBeUndefined();
  const body = r.json as { id: string; stage: string | null };
  return { ...body, cold: /Init Duration/.test(r.log ?? '') };
}

async function revisionOf(name: string): Promise<string | undefined> {
  return (await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).RevisionId;
}

describe('warm environments across control-plane changes', () => {
  it('TagResource, PublishVersion and a new description keep $LATEST warm', async () => {
    const name = 'warm-reuse';
    await createFunction(t.lambda, name, { files: { 'index.js': HANDLER } });
    const first = await run(name);
    expect(first.cold).toBe(true);

    const beforeTag = await revisionOf(name);
    await t.lambda.send(new TagResourceCommand({ Resource: ARN_PREFIX + name, Tags: { team: 'bench' } }));
    expect(await revisionOf(name)).not.toBe(beforeTag);
    expect(await run(name)).toEqual({ id: first.id, stage: null, cold: false });

    const published = await t.lambda.send(new PublishVersionCommand({ FunctionName: name }));
    expect(published.Version).toBe('1');
    expect(await run(name)).toEqual({ id: first.id, stage: null, cold: false });

    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: 'only words' }));
    await waitActive(t.lambda, name);
    expect(await run(name)).toEqual({ id: first.id, stage: null, cold: false });
  });

  it('a change the runtime sees starts a new $LATEST environment and leaves a published version warm', async () => {
    const name = 'warm-reuse-env';
    await createFunction(t.lambda, name, { files: { 'index.js': HANDLER } });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: name }));
    const latest = await run(name);
    const v1 = await run(name, '1');
    expect(v1.cold).toBe(true);
    expect(v1.id).not.toBe(latest.id);

    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { STAGE: 'two' } } }));
    await waitActive(t.lambda, name);
    const after = await run(name);
    expect(after).toMatchObject({ stage: 'two', cold: true });
    expect(after.id).not.toBe(latest.id);
    expect(await run(name, '1')).toEqual({ id: v1.id, stage: null, cold: false });
  });
});
