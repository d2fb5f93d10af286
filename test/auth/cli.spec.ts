/**
 * The operator's side, through the `gust` binary: accounts and keys made on the data dir
 * (the secret printed once, never listed), client commands signing with
 * GUST_ACCESS_KEY_ID/GUST_SECRET_ACCESS_KEY against a server that verifies, and
 * `gust audit` reading back what they changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { newDataDir, startTestGust, type TestGust } from '../helpers/gust.js';
import { buildCli, ROOT, runGust, succeeded } from '../cli/support.js';

let t: TestGust;
beforeAll(async () => {
  buildCli();
  t = await startTestGust();
}, 120_000);
afterAll(async () => t?.stop());

describe('gust accounts, keys and audit', () => {
  it('makes a key whose secret shows once, signs client commands with it, and audits them', async () => {
    const gust = (args: string[], env: Record<string, string> = {}) => runGust([...args], { cwd: t.dataDir, endpoint: t.url, env: { GUST_DATA_DIR: t.dataDir, GUST_STORE: t.config.store, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ...env } });
    const accounts = succeeded(await gust(['accounts', 'ls']), ['accounts', 'ls']);
    expect(accounts).toContain('000000000000  default');
    const created = await gust(['--json', 'keys', 'create', '--account', '000000000000']);
    const key = JSON.parse(created.stdout) as { AccessKeyId: string; SecretAccessKey: string };
    expect(key.AccessKeyId).toMatch(/^AKIA/);
    const listed = succeeded(await gust(['keys', 'ls']), ['keys', 'ls']);
    expect(listed).toContain(key.AccessKeyId);
    expect(listed).not.toContain(key.SecretAccessKey);

    // The server verifies from now on: unsigned (dummy) clients are refused, keyed ones work.
    const refused = await gust(['ls']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/UnrecognizedClientException|security token/);
    const signed = { GUST_ACCESS_KEY_ID: key.AccessKeyId, GUST_SECRET_ACCESS_KEY: key.SecretAccessKey };
    expect((await gust(['ls'], signed)).code).toBe(0);
    expect((await gust(['schedules'], signed)).code).toBe(0);
    expect((await gust(['buckets'], signed)).code).toBe(0);
    // A mutating request (a DeleteFunction of nothing: refused, audited all the same).
    expect((await gust(['rm', 'no-such-function'], signed)).code).not.toBe(0);

    const other = (await gust(['accounts', 'create', '--name', 'team-b'])).stdout.trim();
    expect(other).toMatch(/^\d{12}$/);
    const audit = succeeded(await gust(['audit', '--since', '1h']), ['audit']);
    expect(audit).toMatch(new RegExp(`000000000000\\s+${key.AccessKeyId}\\s+DELETE /2015-03-31/functions/:FunctionName\\s+404\\s+/2015-03-31/functions/no-such-function`));
    expect((await gust(['keys', 'rm', 'AKIANOSUCHKEY0000000'])).stderr).toContain('gust: no access key AKIANOSUCHKEY0000000');
  }, 90_000);

  it('gust serve on a non-loopback address without keys exits 2 with one line naming the remedies', async () => {
    const { spawnSync } = await import('node:child_process');
    const dataDir = newDataDir();
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/gust.js'), 'serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent'], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^gust serve: refusing to serve on 0\.0\.0\.0 without authentication: no access key exists\. Create one \(gust accounts create, then gust keys create --account <id>\) or pass --insecure-no-auth/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
