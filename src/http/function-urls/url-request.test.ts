import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { functionUrlRewriter, hostMatcher } from './url-request.js';

const ID = 'abcdefghijklmnopqrstuvwxyz012345';

describe('function URL host names', () => {
  const match = hostMatcher('us-east-1');

  it('reads the url-id from <url-id>.lambda-url.<region>.<domain>[:port], case-insensitively', () => {
    expect(match(`${ID}.lambda-url.us-east-1.localhost:9000`)).toBe(ID);
    expect(match(`${ID.toUpperCase()}.LAMBDA-URL.us-east-1.localhost`)).toBe(ID);
    expect(match(`${ID}.lambda-url.us-east-1.gust.example.com`)).toBe(ID);
  });

  it('ignores other hosts, other regions and malformed ids', () => {
    expect(match('127.0.0.1:9000')).toBeUndefined();
    expect(match(undefined)).toBeUndefined();
    expect(match(`${ID}.lambda-url.eu-west-1.localhost`)).toBeUndefined();
    expect(match(`${ID.slice(1)}.lambda-url.us-east-1.localhost`)).toBeUndefined();
    expect(match(`x.${ID}.lambda-url.us-east-1.localhost`)).toBeUndefined();
  });

  it('rewrites host-form requests to the path form and claims no other', () => {
    const rewrite = functionUrlRewriter('us-east-1');
    const req = (host: string, url: string) => ({ headers: { host }, url }) as unknown as IncomingMessage;
    expect(rewrite(req(`${ID}.lambda-url.us-east-1.localhost:9000`, '/a/b?x=1'))).toBe(`/lambda-url/${ID}/a/b?x=1`);
    expect(rewrite(req(`${ID}.lambda-url.us-east-1.localhost:9000`, '/2015-03-31/functions'))).toBe(`/lambda-url/${ID}/2015-03-31/functions`);
    expect(rewrite(req('127.0.0.1:9000', '/2015-03-31/functions'))).toBeUndefined();
  });
});
