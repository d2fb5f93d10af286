import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../sandbox/namespace/namespace-setup.js';
import { ProcessDriver } from '../sandbox/process-driver.js';
import { ConfigError, type GustConfig } from './config.js';
import { chooseSandboxDriver } from './sandbox-choice.js';

const gap = namespaceHostGap();
if (gap) console.warn(`sandbox-choice: namespace cases skipped: ${gap}`);

describe('chooseSandboxDriver', () => {
  let root: string;
  let lines: { level: number; msg: string; reason?: string }[];
  const logger = () =>
    pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
          done();
        },
      }),
    );

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gust-choice-'));
    lines = [];
  });

  afterEach(() => {
    chmodSync(root, 0o700);
    rmSync(root, { recursive: true, force: true });
  });

  function choose(sandbox: GustConfig['sandbox'], dataDir: string) {
    const envTmp = join(dataDir, 'env-tmp');
    mkdirSync(envTmp, { recursive: true });
    return chooseSandboxDriver({ config: { sandbox, sandboxUid: 65532, sandboxGid: 65532, sandboxUidCount: 1001, readySandboxes: 0, concurrencyLimit: 1000, sandboxTmp: 'memory', sandboxNetwork: 'none', sandboxSubnet: '10.222.0.0/16', sandboxDns: [], sandboxDeny: [], hostNetworks: [] }, dataDir, envTmp, cgroups: undefined, api: () => ({ host: '127.0.0.1', port: 9000 }), processDriver: () => new ProcessDriver({ tmpRoot: envTmp }), logger: logger() });
  }

  it('takes the process driver when asked, and says it is for trusted code only', async () => {
    expect((await choose('process', join(root, 'data'))).name).toBe('process');
    expect(lines).toMatchObject([{ level: 40, msg: expect.stringContaining('trusted code only') }]);
  });

  it.skipIf(gap !== undefined)('takes the namespace driver by default where it works, and says so', async () => {
    chmodSync(root, 0o711);
    expect((await choose('auto', join(root, 'data'))).name).toBe('namespace');
    expect(lines).toMatchObject([{ level: 30, msg: expect.stringMatching(/^sandbox: namespace/) }]);
  });

  it.skipIf(gap !== undefined)('falls back to process with the reason when the sandbox uid cannot reach the data dir; refuses to start when namespace was asked', async () => {
    // A directory above the data dir that Gust does not own and the sandbox uid cannot search.
    const closed = join(root, 'closed');
    mkdirSync(join(closed, 'data'), { recursive: true });
    chmodSync(closed, 0o700);
    chmodSync(root, 0o711);
    expect((await choose('auto', join(closed, 'data'))).name).toBe('process');
    expect(lines).toMatchObject([{ level: 40, msg: expect.stringContaining('is not searchable by the sandbox uid 65532') }]);
    await expect(choose('namespace', join(closed, 'data'))).rejects.toThrow(ConfigError);
  });
});
