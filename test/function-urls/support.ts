/**
 * Shared pieces of the function URL suites: a node function that answers by path, a
 * client on node:http that reaches `*.localhost` host names as browsers do (they resolve
 * to loopback), curl spawned for real, and SigV4 signing as the AWS SDKs sign.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { AddPermissionCommand, CreateFunctionCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

/** The function under every URL test: its behaviour is chosen by the request path. */
export const HANDLER = `
exports.handler = async (event) => {
  switch (event.rawPath) {
    case '/echo':
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
    case '/reverse': {
      const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
      return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(bytes).reverse().toString('base64'), isBase64Encoded: true };
    }
    case '/cookies':
      return { statusCode: 201, headers: { 'X-Custom': 'v', 'Access-Control-Allow-Origin': '*' }, cookies: ['a=1; Path=/', 'b=2; HttpOnly'], body: 'made' };
    case '/string':
      return 'hello';
    case '/object':
      return { hello: 'world', n: [1, 2] };
    case '/throw':
      throw new Error('boom');
    case '/sleep':
      await new Promise((resolve) => setTimeout(resolve, 10000));
      return 'late';
    case '/big':
      return 'x'.repeat(7 * 1024 * 1024);
    case '/hello':
      return { statusCode: 200, body: 'hello' };
    default:
      return { statusCode: 404, body: 'no route ' + event.rawPath };
  }
};
`;

export async function deployUrlFunction(lambda: LambdaClient, name: string, timeout = 3): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Timeout: timeout, Code: { ZipFile: await makeZip({ 'index.js': HANDLER }) } }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: name });
}

/**
 * Makes an `AuthType NONE` URL of the function (or of its alias) public the way a user
 * does, with AddPermission: AWS, and Gust, answer such a URL with 403 until its policy has
 * this statement.
 */
export async function allowPublicUrl(lambda: LambdaClient, name: string, qualifier?: string): Promise<void> {
  await lambda.send(
    new AddPermissionCommand({ FunctionName: name, Qualifier: qualifier, StatementId: 'FunctionURLAllowPublicAccess', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
  );
}

/** The parts of a payload 2.0 event the suites read. */
export interface UrlEvent {
  rawPath: string;
  rawQueryString: string;
  body?: string;
  isBase64Encoded: boolean;
  headers: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string>;
  cookies?: string[];
  requestContext: { accountId: string; requestId: string; time: string; authorizer?: unknown; http: { method: string } };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A request with node:http: repeated headers as arrays, any Host, and `*.localhost` names
 * resolved to loopback as browsers and curl resolve them.
 */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        // node:http frames a DELETE or OPTIONS body only when told its length.
        headers: options.body === undefined ? options.headers : { 'content-length': String(Buffer.byteLength(options.body)), ...options.headers },
        lookup: (hostname, opts, cb) => {
          if (hostname.endsWith('.localhost')) {
            if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
            else cb(null, '127.0.0.1', 4);
          } else {
            import('node:dns').then((dns) => dns.lookup(hostname, opts, cb as never), reject);
          }
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface CurlResult {
  status: number;
  /** Header lines, lower-cased names, in order (repeats kept). */
  headers: [string, string][];
  body: Buffer;
}

/** Runs /usr/bin/curl with `args` (the URL included); reads the status line and headers it dumps. */
export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/curl', ['-sS', '-i', ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl failed: ${stderr.toString()}`));
      const split = stdout.indexOf('\r\n\r\n');
      const head = stdout.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(head[0]!.split(' ')[1]);
      const headers = head.slice(1).map((line): [string, string] => {
        const i = line.indexOf(':');
        return [line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()];
      });
      resolve({ status, headers, body: stdout.subarray(split + 4) });
    });
  });
}

/** Signs a request as the AWS SDKs do; returns the headers to send (host included). */
export async function signRequest(
  url: string,
  { method = 'GET', headers = {}, body, accessKeyId = 'test', secretAccessKey = 'test', region = 'us-east-1' }: { method?: string; headers?: Record<string, string>; body?: Buffer; accessKeyId?: string; secretAccessKey?: string; region?: string } = {},
): Promise<Record<string, string>> {
  const u = new URL(url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) {
    const seen = query[k];
    query[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service: 'lambda', sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname, query, headers: { host: u.host, ...headers }, body });
  return Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, String(v)]));
}

/** The url-id of a function URL, in the path form Gust returns or in AWS's host-name form. */
export function urlIdOf(functionUrl: string): string {
  const u = new URL(functionUrl);
  const id = /^\/lambda-url\/([a-z0-9]{32})\/$/.exec(u.pathname)?.[1] ?? /^([a-z0-9]{32})\.lambda-url\./.exec(u.hostname)?.[1];
  if (id === undefined) throw new Error(`not a function URL: ${functionUrl}`);
  return id;
}

/** The same URL in AWS's host-name form, `http://<url-id>.lambda-url.us-east-1.localhost:<port>/`. */
export function hostFormOf(functionUrl: string): string {
  return `http://${urlIdOf(functionUrl)}.lambda-url.us-east-1.localhost:${new URL(functionUrl).port}/`;
}
