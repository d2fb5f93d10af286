/**
 * `gust runtimes` and `gust runtimes install` as users run them, without a server: the
 * listing of every Node.js and Python identifier against the suites' shared runtimes
 * directory, options given before or after the subcommand, and the one-line failures.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testRuntimesDir } from '../helpers/runtimes.js';
import { buildCli, runGust, SLOW, succeeded } from './support.js';

interface Listing {
  RuntimesDir: string;
  Runtimes: { runtime: string; state: string; interpreter?: string; version?: string; note?: string }[];
}

const gust = (args: string[], cwd = tmpdir()) => runGust(args, { cwd, endpoint: 'http://127.0.0.1:9' });

beforeAll(buildCli);

describe('gust runtimes', SLOW, () => {
  it('lists each identifier with its state, interpreter and version, in the runtimes directory it is given', async () => {
    const args = ['runtimes', '--json', '--runtimes-dir', testRuntimesDir()];
    const listing = JSON.parse(succeeded(await gust(args), args)) as Listing;
    expect(listing.RuntimesDir).toBe(testRuntimesDir());
    expect(listing.Runtimes.map((r) => r.runtime)).toEqual(['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14']);
    const byId = new Map(listing.Runtimes.map((r) => [r.runtime, r]));
    const host = `nodejs${process.version.slice(1).split('.')[0]}.x`;
    expect(byId.get(host)).toMatchObject({ state: 'host', interpreter: process.execPath, version: process.version });
    expect(byId.get('python3.12')).toMatchObject({ state: 'unavailable' });
    expect(byId.get('python3.12')!.note).toMatch(/^no Debian release ships Python 3\.12 /);

    const table = succeeded(await gust(['runtimes', '--runtimes-dir', testRuntimesDir()]), ['runtimes']);
    expect(table.split('\n')[0]).toMatch(/^RUNTIME\s+STATE\s+VERSION\s+INTERPRETER\s+NOTE$/);
    expect(table).toContain(`runtimes directory: ${testRuntimesDir()}`);
  });

  it('installs into the directory named after the subcommand too, and says how long it took', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-cli-runtimes-'));
    try {
      const host = `nodejs${process.version.slice(1).split('.')[0]}.x`;
      const args = ['runtimes', 'install', host, '--runtimes-dir', testRuntimesDir()];
      expect(succeeded(await gust(args, dir), args)).toMatch(new RegExp(`^${host.replace('.', '\\.')}: ${process.version} ready in \\d+\\.\\d s \\(the host's interpreter, SDK [\\d.]+ MB\\)\\n$`));
      const refused = await gust(['runtimes', 'install', 'python3.12', '--runtimes-dir', dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^gust: The runtime python3\.12 is not available on this host: no Debian release ships Python 3\.12 [^\n]*\n$/);
      const unknown = await gust(['runtimes', 'install', 'nodejs26.x', '--runtimes-dir', dir]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('gust: nodejs26.x is not a Node.js or Python runtime identifier (nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, python3.9, python3.10, python3.11, python3.12, python3.13, python3.14)\n');
      // Nothing went to the default <data-dir>/runtimes (.gust/runtimes of the working directory).
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
