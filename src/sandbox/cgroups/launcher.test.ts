import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { launcherCommand } from './launcher.js';

describe('launcherCommand', () => {
  it('sets RLIMIT_NOFILE soft and hard, then execs the target with its arguments unchanged', () => {
    const l = launcherCommand({ command: '/bin/sh', args: ['-c', 'ulimit -Sn; ulimit -Hn; printf "%s|" "$@"', 'x', 'a b', '--', ''] }, { procsFiles: [], env: {} });
    const out = execFileSync(l.command, l.args, { env: {}, encoding: 'utf8' });
    expect(out).toBe('1024\n1024\na b|--||');
  });

  it("keeps a PWD the environment had, and adds none of the shell's own", () => {
    const l = launcherCommand({ command: '/usr/bin/env', args: [] }, { procsFiles: [], env: {} });
    expect(execFileSync(l.command, l.args, { env: { A: '1' }, encoding: 'utf8' })).toBe('A=1\n');
    const keep = launcherCommand({ command: '/usr/bin/env', args: [] }, { procsFiles: [], env: { PWD: '/' } });
    expect(execFileSync(keep.command, keep.args, { env: { PWD: '/' }, cwd: '/', encoding: 'utf8' })).toBe('PWD=/\n');
  });

  it('fails with 126 and says why when it cannot join a cgroup', () => {
    const l = launcherCommand({ command: '/bin/true', args: [] }, { procsFiles: ['/nonexistent/cgroup.procs'], env: {} });
    let status = 0;
    let stderr = '';
    try {
      execFileSync(l.command, l.args, { env: {}, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      ({ status, stderr } = err as { status: number; stderr: string });
    }
    expect(status).toBe(126);
    expect(stderr).toContain('gust launcher: cannot join /nonexistent/cgroup.procs');
  });
});
