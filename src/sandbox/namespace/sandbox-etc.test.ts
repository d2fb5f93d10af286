import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxEtc } from './sandbox-etc.js';

describe('SandboxEtc', () => {
  const root = mkdtempSync(join(tmpdir(), 'gust-etc-'));
  const host = join(root, 'host');
  const dir = join(root, 'state', 'etc');
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('holds passwd, group, the host files that exist and mount points for the directories', () => {
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, 'hosts'), '127.0.0.1 localhost\n');
    writeFileSync(join(host, 'shadow'), 'root:secret\n');
    const etc = new SandboxEtc(dir, { passwd: 'p\n', group: 'g\n' }, host);
    expect(readdirSync(dir).sort()).toEqual(['alternatives', 'ca-certificates', 'group', 'hosts', 'passwd', 'pki', 'ssl']);
    expect(readFileSync(join(dir, 'passwd'), 'utf8')).toBe('p\n');
    expect(statSync(join(dir, 'hosts')).mode & 0o777).toBe(0o644);
    expect(etc.dir).toBe(dir);
  });

  it('copies again what changed, appeared or went, and nothing else', () => {
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, 'hosts'), 'a\n');
    writeFileSync(join(host, 'resolv.conf'), 'nameserver 1.1.1.1\n');
    const etc = new SandboxEtc(dir, { passwd: '', group: '' }, host);
    writeFileSync(join(host, 'hosts'), 'b b\n');
    utimesSync(join(host, 'hosts'), new Date(), new Date(Date.now() + 5000));
    writeFileSync(join(host, 'gai.conf'), 'x\n');
    rmSync(join(host, 'resolv.conf'));
    etc.refresh();
    expect(readFileSync(join(dir, 'hosts'), 'utf8')).toBe('b b\n');
    expect(readFileSync(join(dir, 'gai.conf'), 'utf8')).toBe('x\n');
    expect(existsSync(join(dir, 'resolv.conf'))).toBe(false);
    const hostsCopy = statSync(join(dir, 'hosts')).ino;
    writeFileSync(join(host, 'resolv.conf'), 'nameserver 1.1.1.1\n');
    etc.refresh();
    // Back on the host, so copied again (its old inode number may well be reused: it was removed).
    expect(readFileSync(join(dir, 'resolv.conf'), 'utf8')).toBe('nameserver 1.1.1.1\n');
    // Unchanged on the host: not copied again (a copy is a rename, so a new inode).
    expect(statSync(join(dir, 'hosts')).ino).toBe(hostsCopy);
  });
});
