import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Invocation } from '../core/model/invocation.js';
import { InitError, RuntimeEndpoint } from './runtime-endpoint.js';
import { RuntimeApiClient } from './testing/runtime-api-client.js';

const open: { endpoint: RuntimeEndpoint; client: RuntimeApiClient }[] = [];

async function start(options: Parameters<typeof RuntimeEndpoint.listen>[0] = {}) {
  const endpoint = await RuntimeEndpoint.listen(options);
  const client = new RuntimeApiClient(endpoint.address);
  open.push({ endpoint, client });
  return { endpoint, client };
}

afterEach(async () => {
  for (const { endpoint, client } of open.splice(0)) {
    client.close();
    await endpoint.close();
  }
});

function invocation(over: Partial<Invocation> = {}): Invocation {
  return {
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    payload: Buffer.from('{"hello":"world"}'),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    wantTail: false,
    ...over,
  };
}

/** A deadline three seconds away. */
const soon = (): number => Date.now() + 3000;

/** Waits until the endpoint has parked the runtime's /next. */
async function untilIdle(endpoint: RuntimeEndpoint): Promise<void> {
  while (!endpoint.idle) await new Promise((r) => setTimeout(r, 2));
}

describe('RuntimeEndpoint: the invocation cycle', () => {
  it('listens on loopback and is ready at the first /next', async () => {
    const { endpoint, client } = await start();
    expect(endpoint.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(endpoint.state).toBe('Started');
    const next = client.next();
    await endpoint.ready();
    await untilIdle(endpoint);
    expect(endpoint.state).toBe('Ready');
    const outcome = endpoint.deliver(invocation(), soon());
    const got = await next;
    expect(got.status).toBe(200);
    expect(endpoint.idle).toBe(false);
    expect((await client.respond(got.headers['lambda-runtime-aws-request-id'] as string, '"ok"')).status).toBe(202);
    expect(await outcome).toEqual({ outcome: 'success', payload: Buffer.from('"ok"') });
  });

  it('delivers every header, and the payload bytes unchanged', async () => {
    const { endpoint, client } = await start();
    const payload = Buffer.concat([Buffer.from([0, 0xff, 0xfe, 0x0a, 0x0d]), randomBytes(64 * 1024)]);
    const inv = invocation({
      payload,
      traceId: 'Root=1-6759e988-bd862e3fe1be46a994272794;Parent=63995c3f42cd8ad8;Sampled=0',
      clientContext: '{"custom":{"k":"v"}}',
    });
    const next = client.next();
    await untilIdle(endpoint);
    const outcome = endpoint.deliver(inv, 1767225603000);
    const got = await next;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['lambda-runtime-aws-request-id']).toBe(inv.requestId);
    expect(got.headers['lambda-runtime-deadline-ms']).toBe('1767225603000');
    expect(got.headers['lambda-runtime-invoked-function-arn']).toBe(inv.invokedFunctionArn);
    expect(got.headers['lambda-runtime-trace-id']).toBe(inv.traceId);
    expect(got.headers['lambda-runtime-client-context']).toBe(inv.clientContext);
    expect(got.body.equals(payload)).toBe(true);
    await client.respond(inv.requestId, got.body);
    const result = await outcome;
    expect(result.outcome === 'success' && result.payload.equals(payload)).toBe(true);
  });

  it('leaves out the optional headers that are not there, and always sends a trace id', async () => {
    const { endpoint, client } = await start();
    const next = client.next();
    await untilIdle(endpoint);
    void endpoint.deliver(invocation(), soon()).catch(() => undefined);
    const got = await next;
    expect(got.headers['lambda-runtime-trace-id']).toBe(invocation().traceId);
    expect(got.headers).not.toHaveProperty('lambda-runtime-client-context');
    expect(got.headers).not.toHaveProperty('lambda-runtime-cognito-identity');
  });

  it('keeps an invocation until the runtime asks for it', async () => {
    const { endpoint, client } = await start();
    const outcome = endpoint.deliver(invocation({ requestId: 'early' }), soon());
    expect(endpoint.idle).toBe(false);
    const got = await client.next();
    expect(got.headers['lambda-runtime-aws-request-id']).toBe('early');
    await client.respond('early', 'null');
    expect(await outcome).toEqual({ outcome: 'success', payload: Buffer.from('null') });
  });

  it('serves invocations one after the other on one keep-alive connection', async () => {
    const { endpoint, client } = await start();
    for (let i = 0; i < 5; i++) {
      const next = client.next();
      await untilIdle(endpoint);
      const outcome = endpoint.deliver(invocation({ requestId: `id-${i}`, payload: Buffer.from(String(i)) }), soon());
      const got = await next;
      await client.respond(`id-${i}`, Buffer.concat([got.body, got.body]));
      expect(await outcome).toEqual({ outcome: 'success', payload: Buffer.from(`${i}${i}`) });
    }
  });

  it('takes the error type from the header, else the body, else Unhandled', async () => {
    const { endpoint, client } = await start();
    const cases: { headers?: Record<string, string>; body: string; type: string; payload: unknown }[] = [
      { headers: { 'Lambda-Runtime-Function-Error-Type': 'Custom.Type' }, body: '{"errorType":"Other","errorMessage":"m"}', type: 'Custom.Type', payload: { errorType: 'Other', errorMessage: 'm' } },
      { body: '{"errorType":"ReferenceError","errorMessage":"x is not defined","trace":["a"]}', type: 'ReferenceError', payload: { errorType: 'ReferenceError', errorMessage: 'x is not defined', trace: ['a'] } },
      { body: '{"errorMessage":"no type"}', type: 'Unhandled', payload: { errorMessage: 'no type' } },
      { body: 'plain text', type: 'Unhandled', payload: { errorType: 'Unhandled', errorMessage: 'plain text' } },
      { body: '"a json string"', type: 'Unhandled', payload: { errorType: 'Unhandled', errorMessage: 'a json string' } },
      { headers: { 'Lambda-Runtime-Function-Error-Type': 'T' }, body: '', type: 'T', payload: { errorType: 'T', errorMessage: '' } },
    ];
    for (const [i, c] of cases.entries()) {
      const next = client.next();
      await untilIdle(endpoint);
      const outcome = endpoint.deliver(invocation({ requestId: `e${i}` }), soon());
      await next;
      const answer = await client.fail(`e${i}`, c.body, c.headers);
      expect(answer.status).toBe(202);
      expect(answer.json()).toEqual({ status: 'OK' });
      const result = await outcome;
      expect(result.outcome).toBe('error');
      expect(result.errorType).toBe(c.type);
      expect(JSON.parse(result.payload.toString())).toEqual(c.payload);
    }
  });

  it('reports an error a streaming runtime sends in its trailers', async () => {
    const { endpoint, client } = await start();
    const next = client.next();
    await untilIdle(endpoint);
    const outcome = endpoint.deliver(invocation(), soon());
    await next;
    const answer = await client.send('POST', `/2018-06-01/runtime/invocation/${invocation().requestId}/response`, {
      headers: { 'Lambda-Runtime-Function-Response-Mode': 'streaming', Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body' },
      body: 'partial',
      trailers: {
        'Lambda-Runtime-Function-Error-Type': 'Stream.Broke',
        'Lambda-Runtime-Function-Error-Body': Buffer.from('{"errorType":"Stream.Broke","errorMessage":"midway"}').toString('base64'),
      },
    });
    expect(answer.status).toBe(202);
    const result = await outcome;
    expect(result).toMatchObject({ outcome: 'error', errorType: 'Stream.Broke' });
  });
});

describe('RuntimeEndpoint: out-of-order calls, as RIE answers them', () => {
  const invalidId = { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' };

  it('refuses a response before any /next with 400 InvalidRequestID', async () => {
    const { client } = await start();
    const answer = await client.respond('nobody', '{}');
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual(invalidId);
  });

  it('refuses a result for an id that is not the current one', async () => {
    const { endpoint, client } = await start();
    const next = client.next();
    await untilIdle(endpoint);
    const outcome = endpoint.deliver(invocation({ requestId: 'current' }), soon());
    await next;
    for (const answer of [await client.respond('other', '{}'), await client.fail('other', '{}'), await client.respond('', '{}')]) {
      expect(answer.status === 400 || answer.status === 404).toBe(true);
      if (answer.status === 400) expect(answer.json()).toEqual(invalidId);
    }
    // The invocation is still open and can be answered.
    await client.respond('current', '1');
    expect(await outcome).toEqual({ outcome: 'success', payload: Buffer.from('1') });
  });

  it('refuses a second result with 403 InvalidStateTransition', async () => {
    const { endpoint, client } = await start();
    const next = client.next();
    await untilIdle(endpoint);
    void endpoint.deliver(invocation({ requestId: 'once' }), soon()).catch(() => undefined);
    await next;
    expect((await client.respond('once', '1')).status).toBe(202);
    for (const answer of [await client.respond('once', '2'), await client.fail('once', '{}')]) {
      expect(answer.status).toBe(403);
      expect(answer.json()).toMatchObject({ errorType: 'InvalidStateTransition' });
    }
    expect((await client.respond('once', '2')).json()).toEqual({
      errorType: 'InvalidStateTransition',
      errorMessage: 'State transition from ResponseSent to InvocationResponse failed for runtime. Error: State transition is not allowed',
    });
    // After its next /next, the old id is no longer current at all.
    void client.next().catch(() => undefined);
    await untilIdle(endpoint);
    expect((await client.respond('once', '3')).json()).toEqual(invalidId);
  });

  it('refuses a second /next while one is parked, and one during an invocation', async () => {
    const { endpoint, client } = await start();
    const first = client.next();
    await untilIdle(endpoint);
    const second = await client.next();
    expect(second.status).toBe(403);
    expect(second.json()).toMatchObject({ errorType: 'InvalidStateTransition', errorMessage: expect.stringContaining('from Ready to Ready') });
    void endpoint.deliver(invocation(), soon()).catch(() => undefined);
    await first;
    const during = await client.next();
    expect(during.status).toBe(403);
    expect(during.json()).toMatchObject({ errorMessage: expect.stringContaining('from Running to Ready') });
  });

  it('takes a /next again after the parked one was abandoned', async () => {
    const { endpoint } = await start();
    const quitter = new RuntimeApiClient(endpoint.address);
    void quitter.next().catch(() => undefined);
    await untilIdle(endpoint);
    quitter.close();
    while (endpoint.state !== 'Detached') await new Promise((r) => setTimeout(r, 2));
    expect(endpoint.idle).toBe(false);
    const outcome = endpoint.deliver(invocation({ requestId: 'after-detach' }), soon());
    const client = new RuntimeApiClient(endpoint.address);
    const got = await client.next();
    expect(got.headers['lambda-runtime-aws-request-id']).toBe('after-detach');
    await client.respond('after-detach', '{}');
    expect((await outcome).outcome).toBe('success');
    client.close();
  });

  it('answers unknown paths 404 and known paths with another method 405', async () => {
    const { client } = await start();
    expect((await client.send('GET', '/2018-06-01/runtime/nope')).status).toBe(404);
    expect((await client.send('GET', '/')).status).toBe(404);
    expect((await client.send('POST', '/2018-06-01/runtime/invocation/next')).status).toBe(405);
    expect((await client.send('GET', '/2018-06-01/runtime/invocation/x/response')).status).toBe(405);
    expect((await client.send('GET', '/2018-06-01/ping')).body.toString()).toBe('pong');
  });
});

describe('RuntimeEndpoint: limits, init errors, aborts and close', () => {
  it('answers a result over the limit with 413 and reports Function.ResponseSizeTooLarge', async () => {
    const { endpoint, client } = await start({ maxResponseBytes: 1000 });
    const next = client.next();
    await untilIdle(endpoint);
    const outcome = endpoint.deliver(invocation({ requestId: 'big' }), soon());
    await next;
    const answer = await client.respond('big', Buffer.alloc(1001, 0x61));
    expect(answer.status).toBe(413);
    expect(answer.json()).toEqual({ errorMessage: 'Exceeded maximum allowed payload size (1000 bytes).', errorType: 'RequestEntityTooLarge' });
    expect(await outcome).toEqual({
      outcome: 'error',
      errorType: 'Function.ResponseSizeTooLarge',
      payload: Buffer.from('{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (1000 bytes)."}'),
    });
    // The connection and the runtime carry on.
    const again = client.next();
    await untilIdle(endpoint);
    const small = endpoint.deliver(invocation({ requestId: 'small' }), soon());
    await again;
    await client.respond('small', Buffer.alloc(1000, 0x61));
    expect((await small).outcome).toBe('success');
  });

  it('holds Lambda’s limit by default: 6 MiB + 100 bytes', async () => {
    const { endpoint, client } = await start();
    for (const [size, outcome, errorType] of [[6291556, 'success', undefined], [6291557, 'error', 'Function.ResponseSizeTooLarge']] as const) {
      const next = client.next();
      await untilIdle(endpoint);
      const answer = endpoint.deliver(invocation({ requestId: `s${size}` }), soon());
      await next;
      await client.respond(`s${size}`, Buffer.alloc(size, 0x20));
      const got = await answer;
      expect({ outcome: got.outcome, errorType: got.errorType }).toEqual({ outcome, errorType });
    }
  });

  it('fails readiness with InitError on /runtime/init/error, and refuses what follows', async () => {
    const { endpoint, client } = await start();
    const ready = endpoint.ready();
    const answer = await client.send('POST', '/2018-06-01/runtime/init/error', {
      body: '{"errorMessage":"Cannot find module \'index\'","errorType":"Runtime.ImportModuleError"}',
    });
    expect(answer.status).toBe(202);
    const err = await ready.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InitError);
    expect((err as InitError).errorType).toBe('Runtime.ImportModuleError');
    expect(JSON.parse((err as InitError).payload.toString())).toEqual({ errorMessage: "Cannot find module 'index'", errorType: 'Runtime.ImportModuleError' });
    expect(endpoint.state).toBe('InitError');
    const next = await client.next();
    expect(next.status).toBe(403);
    expect(next.json()).toMatchObject({ errorMessage: expect.stringContaining('from InitError to Ready') });
    expect(() => endpoint.deliver(invocation(), soon())).toThrow(/InitError/);
  });

  it('refuses /runtime/init/error after init', async () => {
    const { endpoint, client } = await start();
    void client.next().catch(() => undefined);
    await endpoint.ready();
    const answer = await client.send('POST', '/2018-06-01/runtime/init/error', { body: '{}' });
    expect(answer.status).toBe(403);
    expect(answer.json()).toMatchObject({ errorType: 'InvalidStateTransition', errorMessage: expect.stringContaining('from Ready to InitError') });
  });

  it('fails an invocation waiting for init when init fails', async () => {
    const { endpoint, client } = await start();
    const outcome = endpoint.deliver(invocation(), soon()).catch((e: unknown) => e);
    await client.send('POST', '/2018-06-01/runtime/init/error', { body: 'boom', headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ExitError' } });
    expect(await outcome).toBeInstanceOf(InitError);
  });

  it('rejects an aborted invocation with AbortError and refuses its late result', async () => {
    const { endpoint, client } = await start();
    const next = client.next();
    await untilIdle(endpoint);
    const outcome = endpoint.deliver(invocation({ requestId: 'slow' }), soon());
    await next;
    endpoint.abortInvocation(new Error('timeout'));
    await expect(outcome).rejects.toMatchObject({ name: 'AbortError' });
    expect(endpoint.state).toBe('Aborted');
    const late = await client.respond('slow', '{}');
    expect(late.status).toBe(403);
    expect(late.json()).toMatchObject({ errorMessage: expect.stringContaining('from Aborted to InvocationResponse') });
    expect(() => endpoint.deliver(invocation(), soon())).toThrow(/Aborted/);
  });

  it('takes an abort with nothing in flight as nothing', async () => {
    const { endpoint, client } = await start();
    endpoint.abortInvocation(new Error('timeout'));
    const next = client.next();
    await untilIdle(endpoint);
    const outcome = endpoint.deliver(invocation({ requestId: 'after' }), soon());
    await next;
    expect((await client.respond('after', '{"ok":true}')).status).toBe(202);
    expect((await outcome).payload.toString()).toBe('{"ok":true}');
  });

  it('throws on a second concurrent invoke', async () => {
    const { endpoint } = await start();
    void endpoint.deliver(invocation({ requestId: 'a' }), soon()).catch(() => undefined);
    expect(() => endpoint.deliver(invocation({ requestId: 'b' }), soon())).toThrow(/a is still in flight/);
  });

  it('ends the parked /next, the pending invoke and readiness on close', async () => {
    const { endpoint } = await start();
    const ready = endpoint.ready().catch((e: unknown) => e);
    const outcome = endpoint.deliver(invocation(), soon()).catch((e: unknown) => e);
    await endpoint.close();
    expect(await ready).toBeInstanceOf(Error);
    expect(await outcome).toBeInstanceOf(Error);
    await endpoint.close();

    const other = await start();
    const parked = other.client.next().then(
      () => 'answered',
      () => 'ended',
    );
    await untilIdle(other.endpoint);
    await other.endpoint.close();
    expect(await parked).toBe('ended');
  });

  it('listens on a unix socket path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-rapi-'));
    try {
      const path = join(dir, 'runtime.sock');
      const { endpoint, client } = await start({ path });
      expect(endpoint.address).toBe(path);
      const next = client.next();
      await untilIdle(endpoint);
      const outcome = endpoint.deliver(invocation(), soon());
      await next;
      await client.respond(invocation().requestId, '"via socket"');
      expect(await outcome).toEqual({ outcome: 'success', payload: Buffer.from('"via socket"') });
      await endpoint.close();
      // A stale socket left at the path does not stop a new listener.
      const again = await RuntimeEndpoint.listen({ path });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RuntimeEndpoint: Extensions, Logs and Telemetry APIs', () => {
  it('registers an extension and parks its event/next until close', async () => {
    const { endpoint, client } = await start({ functionInfo: { functionName: 'f', functionVersion: '$LATEST', handler: 'index.handler' } });
    const reg = await client.send('POST', '/2020-01-01/extension/register', { body: '{"events":["INVOKE","SHUTDOWN"]}', headers: { 'Lambda-Extension-Name': 'ext' } });
    expect(reg.status).toBe(200);
    const id = reg.headers['lambda-extension-identifier'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(reg.json()).toEqual({ functionName: 'f', functionVersion: '$LATEST', handler: 'index.handler' });

    const noName = await client.send('POST', '/2020-01-01/extension/register', { body: '{}' });
    expect(noName.status).toBe(403);
    expect(noName.json()).toMatchObject({ errorType: 'Extension.InvalidExtensionName' });
    const noId = await client.send('GET', '/2020-01-01/extension/event/next');
    expect(noId.json()).toMatchObject({ errorType: 'Extension.MissingExtensionIdentifier' });
    const badId = await client.send('GET', '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': 'nope' } });
    expect(badId.json()).toMatchObject({ errorType: 'Extension.InvalidExtensionIdentifier' });

    const accepted = await client.send('POST', '/2020-01-01/extension/init/error', { headers: { 'Lambda-Extension-Identifier': id }, body: '{}' });
    expect(accepted.status).toBe(202);

    let settled = false;
    const event = client.send('GET', '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': id } }).then(
      () => 'answered',
      () => 'ended',
    );
    void event.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await endpoint.close();
    expect(await event).toBe('ended');
  });

  it('answers Logs and Telemetry subscriptions as not supported', async () => {
    const { client } = await start();
    const logs = await client.send('PUT', '/2020-08-15/logs', { body: '{}' });
    expect(logs.status).toBe(202);
    expect(logs.json()).toEqual({ errorMessage: 'Logs API is not supported', errorType: 'Logs.NotSupported' });
    const telemetry = await client.send('PUT', '/2022-07-01/telemetry', { body: '{}' });
    expect(telemetry.status).toBe(202);
    expect(telemetry.json()).toEqual({ errorMessage: 'Telemetry API is not supported', errorType: 'Telemetry.NotSupported' });
  });
});

describe('RuntimeEndpoint: connections handed over', () => {
  it('listens nowhere, serves the connections accept() is given, and ends them at close', async () => {
    const endpoint = await RuntimeEndpoint.listen({ handedOver: '127.0.0.1:9001' });
    expect(endpoint.address).toBe('127.0.0.1:9001');
    // A listener of the test's own stands for the sandbox's socket.
    const door = createServer((socket) => endpoint.accept(socket));
    await new Promise<void>((resolve) => door.listen(0, '127.0.0.1', resolve));
    const client = new RuntimeApiClient(`127.0.0.1:${(door.address() as AddressInfo).port}`);
    try {
      const next = client.next();
      await endpoint.ready();
      await untilIdle(endpoint);
      const outcome = endpoint.deliver(invocation(), soon());
      const got = await next;
      expect((await client.respond(got.headers['lambda-runtime-aws-request-id'] as string, '"handed"')).status).toBe(202);
      expect(await outcome).toEqual({ outcome: 'success', payload: Buffer.from('"handed"') });
      // The runtime's next /next is parked on a kept-alive connection that close() must end.
      const parked = client.next();
      await untilIdle(endpoint);
      await endpoint.close();
      await expect(parked).rejects.toThrow();
      const late = connect((door.address() as AddressInfo).port, '127.0.0.1');
      await new Promise((resolve) => late.once('close', resolve));
    } finally {
      client.close();
      door.close();
    }
  });
});
