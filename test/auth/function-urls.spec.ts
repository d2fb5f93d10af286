/**
 * Function URLs with auth on: an AWS_IAM URL takes signatures of access keys (header and
 * presigned) through the one verifier, names the key's account to the function, and
 * refuses the configured URL key, wrong secrets and unknown keys with the URL's own 403; a
 * NONE URL with the public statement stays public, unsigned.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { AddPermissionCommand, CreateFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployUrlFunction, signRequest, urlIdOf, type UrlEvent } from '../function-urls/support.js';
import { startAuthGust, type AuthGust } from './support.js';

let g: AuthGust;
let lambda: LambdaClient;
let iam: string;
let open: string;
beforeAll(async () => {
  g = await startAuthGust({ sandbox: 'process' });
  lambda = new LambdaClient({ endpoint: g.t.url, region: 'us-east-1', credentials: g.key, maxAttempts: 1 });
  await deployUrlFunction(lambda, 'web');
  iam = `${g.t.url}/lambda-url/${urlIdOf((await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'AWS_IAM' }))).FunctionUrl!)}/echo`;
  await deployUrlFunction(lambda, 'pub');
  open = `${g.t.url}/lambda-url/${urlIdOf((await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'pub', AuthType: 'NONE' }))).FunctionUrl!)}/echo`;
  // A NONE URL is public once its policy says so, as the console's statement does.
  await lambda.send(new AddPermissionCommand({ FunctionName: 'pub', StatementId: 'FunctionURLAllowPublicAccess', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
}, 60_000);
afterAll(async () => {
  lambda?.destroy();
  await g?.stop();
});

describe('function URLs with auth on', () => {
  it('an AWS_IAM URL takes an access key’s signature and tells the function who called', async () => {
    const res = await fetch(iam, { headers: await signRequest(iam, g.key) });
    expect(res.status).toBe(200);
    const e = (await res.json()) as UrlEvent;
    expect(e.requestContext.authorizer).toMatchObject({ iam: { accessKey: g.key.accessKeyId, accountId: '000000000000' } });
  });

  it('takes a presigned URL too', async () => {
    const u = new URL(iam);
    const signer = new SignatureV4({ credentials: g.key, region: 'us-east-1', service: 'lambda', sha256: Sha256 });
    const signed = await signer.presign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host } }, { expiresIn: 60 });
    const query = new URLSearchParams(signed.query as Record<string, string>).toString();
    expect((await fetch(`${iam}?${query}`)).status).toBe(200);
  });

  it('refuses the configured URL key, a wrong secret and an unknown key with 403 Forbidden; a NONE URL with its public statement stays public', async () => {
    for (const creds of [{ accessKeyId: 'test', secretAccessKey: 'test' }, { ...g.key, secretAccessKey: 'wrong' }, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' }]) {
      const res = await fetch(iam, { headers: await signRequest(iam, creds) });
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('{"Message":"Forbidden"}');
    }
    expect((await fetch(iam)).status).toBe(403);
    expect((await fetch(open)).status).toBe(200);
  });
});
