/**
 * The FunctionUrl that CreateFunctionUrlConfig returns works as given, on the default
 * set-up, from the clients integration tests use: Node's fetch, Python's urllib and
 * `requests`, and curl. Each calls the URL string itself (a path and a query appended, as
 * a test would), and the function sees the path after the URL's own (its rawPath), as it
 * would on AWS.
 */
import { execFile } from 'node:child_process';
import { CreateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { allowPublicUrl, curl, deployUrlFunction, type UrlEvent } from './support.js';

const PYTHON = '/usr/bin/python3';

let t: TestGust;
let functionUrl: string;

/** Runs a Python snippet that prints `<status> <body>` for a GET of argv[1]. */
function python(script: string, url: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, ['-c', script, url], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

function hasPythonModule(name: string): Promise<boolean> {
  return new Promise((resolve) => execFile(PYTHON, ['-c', `import ${name}`], (err) => resolve(!err)));
}

const URLLIB = `
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1]) as r:
    print(r.status, r.read().decode())
`;

const REQUESTS = `
import sys, requests
r = requests.get(sys.argv[1])
print(r.status_code, r.text)
`;

/** The event of a GET of `<FunctionUrl>echo?from=<client>`, as answered by the URL function. */
function checkEcho(status: number, body: string, client: string): void {
  expect(status, body).toBe(200);
  const event = JSON.parse(body) as UrlEvent;
  expect(event.rawPath).toBe('/echo');
  expect(event.rawQueryString).toBe(`from=${client}`);
  expect(event.requestContext.http.method).toBe('GET');
}

beforeAll(async () => {
  t = await startTestGust();
  await deployUrlFunction(t.lambda, 'web');
  functionUrl = (await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }))).FunctionUrl!;
  await allowPublicUrl(t.lambda, 'web');
});
afterAll(async () => {
  await t.stop();
});

describe('the FunctionUrl as returned', () => {
  it("answers Node's fetch, at its root and below it", async () => {
    const root = await fetch(functionUrl);
    expect([root.status, await root.text()]).toEqual([404, 'no route /']);
    const res = await fetch(`${functionUrl}echo?from=fetch`);
    checkEcho(res.status, await res.text(), 'fetch');
  });

  it("answers Python's urllib", async () => {
    const r = await python(URLLIB, `${functionUrl}echo?from=urllib`);
    expect(r.code, r.err).toBe(0);
    const [status, ...body] = r.out.trimEnd().split(' ');
    checkEcho(Number(status), body.join(' '), 'urllib');
  });

  it('answers Python requests', async (ctx) => {
    if (!(await hasPythonModule('requests'))) {
      console.log('skipped: python3 has no requests module (apt-get install python3-requests)');
      return ctx.skip();
    }
    const r = await python(REQUESTS, `${functionUrl}echo?from=requests`);
    expect(r.code, r.err).toBe(0);
    const [status, ...body] = r.out.trimEnd().split(' ');
    checkEcho(Number(status), body.join(' '), 'requests');
  });

  it('answers curl', async () => {
    const r = await curl([`${functionUrl}echo?from=curl`]);
    checkEcho(r.status, r.body.toString(), 'curl');
  });
});
