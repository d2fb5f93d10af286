/**
 * Fuzzes the Lambda API's HTTP surface with a few thousand random requests: methods,
 * paths built from real fragments and garbage, headers, and bodies from valid to
 * malformed to large. Only 2xx and 4xx may come back, every 4xx with an
 * x-amzn-ErrorType, and afterwards what the List operations show must be gettable.
 * The PRNG is seeded: set GUST_FUZZ_SEED to replay a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  paginateListFunctions,
} from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { seededRandom } from '../helpers/fuzz.js';
import { startAuthGust } from '../auth/support.js';
import { ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const SEED = Number(process.env.GUST_FUZZ_SEED ?? 20260101);
const REQUESTS = 3000;
const IN_FLIGHT = 8;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string | undefined;
}

function generator(random: () => number, zipBase64: string) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const int = (max: number) => Math.floor(random() * max);
  const garbage = (length: number, alphabet = 'abcXYZ019-_.:$%~!*()\'"<>{}[]|\\^`@&=+;,/ éü中\u0000') =>
    Array.from({ length }, () => pick([...alphabet])).join('');

  const names = ['fuzz-a', 'fuzz-b', 'fuzz-c', 'fuzz-0a', 'fuzz-1b', 'ghost', 'fuzz-a:1', 'fuzz-a:live', 'fuzz-a:$LATEST', 'arn:aws:lambda:us-east-1:000000000000:function:fuzz-b'];
  const nameSegment = () => {
    if (chance(0.15)) return encodeURIComponent(garbage(1 + int(chance(0.1) ? 300 : 20)));
    const name = pick(names);
    return chance(0.5) ? encodeURIComponent(name) : name;
  };
  const fnPath = (prefix: string) => {
    const suffix = pick(['', '/', '/configuration', '/code', '/versions', '/aliases', '/aliases/live', `/aliases/${encodeURIComponent(garbage(5))}`, '/concurrency', '/invocations', '/policy', `/${garbage(4)}`]);
    return `${prefix}/${nameSegment()}${suffix}`;
  };
  const path = (): string => {
    switch (int(9)) {
      case 0:
      case 1:
      case 2:
        return fnPath('/2015-03-31/functions');
      case 3:
        return chance(0.5) ? '/2015-03-31/functions' : '/2015-03-31/functions/';
      case 4:
        return fnPath(pick(['/2017-10-31/functions', '/2019-09-30/functions']));
      case 5:
        return `/2017-03-31/tags/${encodeURIComponent(pick([...names, 'arn:aws:lambda:us-east-1:000000000000:function:fuzz-a', garbage(12)]))}`;
      case 6:
        return pick(['/2016-08-19/account-settings', '/gust/code/' + garbage(8), `/gust/code/${'a'.repeat(64)}.zip`, '/health', '/']);
      case 7:
        return `/${garbage(1 + int(30))}`;
      default:
        return `/${pick(['2015-03-31', '2018-10-31', '2021-10-31', garbage(6)])}/${pick(['functions', 'layers', 'tags', garbage(5)])}/${garbage(int(12))}`;
    }
  };
  const query = () => {
    if (chance(0.6)) return '';
    const keys = ['Qualifier', 'MaxItems', 'Marker', 'FunctionVersion', 'tagKeys', 'MasterRegion', garbage(4)];
    const values = ['1', '0', '-1', '10', '$LATEST', 'ALL', 'live', '99999999999999999999', garbage(6), '', 'Z2F1c3QxOmZ1enotYQ'];
    return '?' + Array.from({ length: 1 + int(3) }, () => `${encodeURIComponent(pick(keys))}=${encodeURIComponent(pick(values))}`).join('&');
  };
  const value = (depth = 0): unknown => {
    switch (int(depth > 2 ? 5 : 8)) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return pick([0, -1, 1, 3, 128, 900, 901, 10241, 1e308, 0.5, -0.0]);
      case 3:
        return garbage(int(40));
      case 4:
        return pick(['nodejs20.x', 'python3.12', ROLE, 'index.handler', '$LATEST', '1', 'ALL', zipBase64]);
      case 5:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['Variables', 'ZipFile', 'Size', 'Mode', 'AdditionalVersionWeights', garbage(5)]), value(depth + 1)]));
    }
  };
  const validish = (): Record<string, unknown> => {
    const body: Record<string, unknown> = {
      FunctionName: chance(0.7) ? `fuzz-${garbage(3, 'abcdef0123')}` : pick(names),
      Runtime: pick(['nodejs20.x', 'python3.11', 'provided.al2023', 'cobol']),
      Role: ROLE,
      Handler: 'index.handler',
      Code: chance(0.8) ? { ZipFile: zipBase64 } : value(),
      Timeout: pick([3, 0, 900, 901]),
      Name: pick(['live', 'beta', '123', garbage(5)]),
      FunctionVersion: pick(['$LATEST', '1', '2', '99']),
      ReservedConcurrentExecutions: pick([0, 5, 950, -3]),
      Tags: { k: garbage(5) },
      RoutingConfig: { AdditionalVersionWeights: { [pick(['1', '2', '$LATEST'])]: pick([0.1, 1.5, -1]) } },
      Environment: { Variables: { [pick(['A1', 'AWS_REGION', '1x'])]: garbage(10) } },
    };
    for (const key of Object.keys(body)) {
      if (chance(0.3)) delete body[key];
      else if (chance(0.1)) body[key] = value();
    }
    return body;
  };
  const body = (): Buffer | string | undefined => {
    switch (int(8)) {
      case 0:
        return undefined;
      case 1:
        return '';
      case 2:
        return JSON.stringify(value());
      case 3:
        return JSON.stringify(validish()).slice(0, chance(0.3) ? int(60) : undefined);
      case 4:
        return Buffer.from(Array.from({ length: int(300) }, () => int(256)));
      case 5:
        // Large-ish: a few hundred KB of JSON or junk.
        return chance(0.5) ? JSON.stringify({ FunctionName: 'fuzz-big', Description: 'd'.repeat(200_000 + int(300_000)) }) : Buffer.alloc(100_000 + int(400_000), int(256));
      default:
        return JSON.stringify(validish());
    }
  };
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = {};
    if (chance(0.8)) h['content-type'] = pick(['application/json', 'application/x-amz-json-1.1', 'text/plain', 'application/octet-stream', garbage(8, 'abc/;=+'), 'multipart/form-data; boundary=x']);
    for (let i = int(3); i > 0; i--) h[`x-${garbage(5, 'abcdefgh-')}`] = garbage(int(50), 'abcXYZ 0123:;,.-_=/+');
    if (chance(0.1)) h['x-amz-invocation-type'] = pick(['Event', 'RequestResponse', 'junk']);
    return h;
  };

  // Requests shaped like real operations, so that most reach a handler.
  const operations: [string, string][] = [
    ['POST', '/2015-03-31/functions'],
    ['GET', '/2015-03-31/functions'],
    ['GET', '/2015-03-31/functions/{n}'],
    ['GET', '/2015-03-31/functions/{n}/configuration'],
    ['PUT', '/2015-03-31/functions/{n}/configuration'],
    ['PUT', '/2015-03-31/functions/{n}/code'],
    ['DELETE', '/2015-03-31/functions/{n}'],
    ['POST', '/2015-03-31/functions'],
    ['POST', '/2015-03-31/functions/{n}/versions'],
    ['GET', '/2015-03-31/functions/{n}/versions'],
    ['POST', '/2015-03-31/functions/{n}/aliases'],
    ['GET', '/2015-03-31/functions/{n}/aliases'],
    ['GET', '/2015-03-31/functions/{n}/aliases/{a}'],
    ['PUT', '/2015-03-31/functions/{n}/aliases/{a}'],
    ['DELETE', '/2015-03-31/functions/{n}/aliases/{a}'],
    ['PUT', '/2017-10-31/functions/{n}/concurrency'],
    ['GET', '/2019-09-30/functions/{n}/concurrency'],
    ['DELETE', '/2017-10-31/functions/{n}/concurrency'],
    ['POST', '/2017-03-31/tags/{arn}'],
    ['GET', '/2017-03-31/tags/{arn}'],
    ['DELETE', '/2017-03-31/tags/{arn}'],
    ['GET', '/2016-08-19/account-settings'],
  ];
  const operation = (): FuzzRequest => {
    const [method, template] = pick(operations);
    const filled = template
      .replace('{n}', nameSegment())
      .replace('{a}', pick(['live', 'beta', encodeURIComponent(garbage(4))]))
      .replace('{arn}', encodeURIComponent(`arn:aws:lambda:us-east-1:000000000000:function:${pick(['fuzz-a', 'fuzz-b', 'fuzz-a:1', garbage(3)])}`));
    // Half the time a valid request for any operation, sometimes with one member replaced.
    const valid: Record<string, unknown> = {
      FunctionName: `fuzz-${garbage(2, 'abcdef0123')}`,
      Role: ROLE,
      Handler: 'index.handler',
      Runtime: pick(['nodejs20.x', 'python3.11']),
      Code: { ZipFile: zipBase64 },
      ZipFile: zipBase64,
      Name: pick(['live', 'beta']),
      FunctionVersion: pick(['$LATEST', '1']),
      ReservedConcurrentExecutions: int(60),
      Tags: { k: garbage(3, 'abc') },
    };
    if (chance(0.4)) valid[pick([...Object.keys(valid), 'Timeout', 'Environment', 'RoutingConfig', 'Layers'])] = value();
    const payload = chance(0.5) ? JSON.stringify(valid) : body();
    return { method, path: filled + query(), headers: { 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body: payload }) };
  };

  return (): FuzzRequest => {
    if (chance(0.6)) return operation();
    const method = pick(['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']);
    const hasBody = method !== 'GET' && method !== 'HEAD';
    return { method, path: path() + query(), headers: headers(), ...(hasBody ? { body: body() } : {}) };
  };
}

describe('fuzzing the Lambda API', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust();
    const zip = await makeZip();
    for (const FunctionName of ['fuzz-a', 'fuzz-b', 'fuzz-c']) {
      await t.lambda.send(new CreateFunctionCommand({ FunctionName, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip }, Publish: true }));
    }
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'fuzz-a', Name: 'live', FunctionVersion: '1' }));
  });
  afterAll(async () => {
    await t.stop();
  });

  /**
   * Sends the seeded requests to `base` from IN_FLIGHT workers; `judge` names what is wrong
   * with an answer (undefined when it is right). Returns the failures.
   */
  async function replay(base: string, judge: (path: string, response: Response) => string | undefined): Promise<string[]> {
    const zipBase64 = (await makeZip({ 'index.js': 'exports.handler = async () => 1;\n' })).toString('base64');
    const next = generator(seededRandom(SEED), zipBase64);
    const failures: string[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < REQUESTS) {
        const index = sent++;
        const request = next();
        let response: Response;
        try {
          response = await fetch(base + request.path, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) });
        } catch (err) {
          // fetch refusing to send (an invalid URL or header) is not the server's doing.
          if (err instanceof TypeError && !String(err.cause ?? '').includes('ECONNRE')) continue;
          failures.push(`#${index} ${request.method} ${request.path}: ${String(err)} ${String((err as Error).cause)}`);
          continue;
        }
        await response.arrayBuffer();
        const wrong = judge(request.path, response);
        if (wrong) failures.push(`#${index} ${request.method} ${request.path} -> ${response.status} ${wrong}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    return failures;
  }

  it(`answers ${REQUESTS} random requests with 2xx/4xx only (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const failures = await replay(t.url, (_path, response) => {
      const type = response.headers.get('x-amzn-errortype');
      return response.status >= 500 || response.status < 200 || (response.status >= 400 && !type) ? (type ?? '(no x-amzn-ErrorType)') : undefined;
    });
    expect(failures.slice(0, 20), `seed ${SEED}`).toEqual([]);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });

  it(`with auth on, the same ${REQUESTS} requests unsigned: none succeeds, none answers 5xx`, { timeout: 180_000 }, async () => {
    const authOn = await startAuthGust();
    try {
      const failures = await replay(authOn.t.url, (path, response) => {
        const type = response.headers.get('x-amzn-errortype');
        // /health and function URLs (NONE is public) are the only routes open to all.
        const open = /^\/(health|lambda-url\/)/.test(path);
        return response.status >= 500 || (!open && (response.status < 400 || !type)) ? (type ?? '') : undefined;
      });
      expect(failures.slice(0, 20), `seed ${SEED}`).toEqual([]);
    } finally {
      await authOn.stop();
    }
  });

  it('leaves listings consistent with reads', async () => {
    // The fuzzer may have deleted every function; the server must still take writes.
    await t.lambda.send(
      new CreateFunctionCommand({ FunctionName: 'after-fuzz', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: await makeZip() } }),
    );
    const listed = [];
    for await (const page of paginateListFunctions({ client: t.lambda, pageSize: 7 }, { FunctionVersion: 'ALL' })) listed.push(...page.Functions!);
    const byFunction = new Map<string, string[]>();
    for (const f of listed) byFunction.set(f.FunctionName!, [...(byFunction.get(f.FunctionName!) ?? []), f.Version!]);
    expect(byFunction.has('after-fuzz')).toBe(true);
    for (const [name, listedVersions] of byFunction) {
      const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: name }));
      expect(got.Configuration?.FunctionName).toBe(name);
      const versions = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
      expect(versions.Versions!.map((v) => v.Version)).toEqual(listedVersions);
      for (const version of listedVersions) {
        const v = await t.lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: version }));
        expect(v.Configuration?.Version).toBe(version);
      }
      for (const alias of (await t.lambda.send(new ListAliasesCommand({ FunctionName: name }))).Aliases!) {
        expect(listedVersions).toContain(alias.FunctionVersion);
        expect((await t.lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias.Name }))).RevisionId).toBe(alias.RevisionId);
      }
    }
    const published = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'after-fuzz' }));
    expect(published.Version).toMatch(/^[0-9]+$/);
  });
});
