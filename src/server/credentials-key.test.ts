import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKeyFile, settleKeyDir } from './credentials-key.js';

const made: string[] = [];
const dir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `gust-keys-${name}-`));
  made.push(d);
  return d;
};
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('settleKeyDir: a cluster shares one set of key files', () => {
  it("brings the first node's own keys into an empty shared dir, and names a later node's that differ", () => {
    const shared = join(dir('blobs'), 'keys');
    const first = dir('first');
    const firstKey = loadKeyFile(first, 'access-keys.key');
    expect(settleKeyDir(shared, first)).toEqual([]);
    expect(readFileSync(join(shared, 'access-keys.key')).equals(firstKey)).toBe(true);
    expect(statSync(join(shared, 'access-keys.key')).mode & 0o777).toBe(0o600);
    // What the shared dir did not get from the first node, a server makes there.
    expect(loadKeyFile(shared, 'function-credentials.key')).toHaveLength(32);

    const second = dir('second');
    loadKeyFile(second, 'access-keys.key');
    writeFileSync(join(second, 'metrics.token'), readFileSync(join(first, 'access-keys.key')));
    expect(settleKeyDir(shared, second)).toEqual(['access-keys.key']);
    expect(readFileSync(join(shared, 'access-keys.key')).equals(firstKey)).toBe(true);
    // The second node's metrics token went in: the shared dir had none.
    expect(readFileSync(join(shared, 'metrics.token')).equals(firstKey)).toBe(true);

    const third = dir('third');
    expect(settleKeyDir(shared, third)).toEqual([]);
  });

  it('leaves a data dir that is its own key dir as it is', () => {
    const only = dir('single');
    const key = loadKeyFile(only, 'access-keys.key');
    expect(settleKeyDir(only, only)).toEqual([]);
    expect(loadKeyFile(only, 'access-keys.key').equals(key)).toBe(true);
  });
});
