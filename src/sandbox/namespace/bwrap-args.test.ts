import { describe, expect, it } from 'vitest';
import { bwrapArgs, COMMAND_FD, INIT_COMMAND, RUNTIME_API_PORT, SECCOMP_FD, STATUS_FD } from './bwrap-args.js';

const input = {
  host: {
    init: '/state/gust-init-x',
    seccomp: '/state/seccomp-x64.bpf',
    etc: { dir: '/state/etc', refresh: () => undefined },
    runtimes: { nodejs: '/state/runtime-1/node', python: '/state/runtime-1/python' },
    usr: { bashAsSh: true, pythonPackageDirs: ['/usr/lib/python3/dist-packages'], emptyDir: '/state/empty' },
  },
  env: { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', SECRET: 'value with spaces' },
  codeDir: '/data/blobs/code/ab/abc',
  optDir: '/data/blobs/code/cd/cde',
  runtime: {
    language: 'nodejs' as const,
    version: '22',
    runtimeDir: '/gust/runtimes/node',
    bootstrap: 'bootstrap.mjs',
    interpreter: '/cache/node-22/bin/node',
    langDir: '/cache/node-22',
    sdkDir: '/cache/sdk/node_modules',
  },
  socketDir: '/data/env-tmp/gust-ns-1',
  tmpBytes: 512 * 1024 * 1024,
  command: '/var/lang/bin/node',
  args: ['/var/runtime/bootstrap.mjs'],
};

/** The values that follow each occurrence of `flag` (its `n` arguments). */
function after(args: string[], flag: string, n = 1): string[][] {
  return args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 1 + n)] : []));
}

describe('bwrapArgs', () => {
  const { options, runtime } = bwrapArgs(input);

  it('passes the environment in the options (the --args pipe), never on the command line', () => {
    expect(options[0]).toBe('--clearenv');
    expect(after(options, '--setenv', 2)).toEqual([
      ['AWS_LAMBDA_RUNTIME_API', '127.0.0.1:9001'],
      ['SECRET', 'value with spaces'],
    ]);
    expect(INIT_COMMAND.join(' ')).not.toContain('value with spaces');
  });

  it('unshares every namespace including the network, drops capabilities and nested user namespaces', () => {
    for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session', '--as-pid-1']) expect(options).toContain(flag);
    expect(options).not.toContain('--share-net');
    expect(after(options, '--cap-drop')).toEqual([['ALL']]);
    expect(after(options, '--seccomp')).toEqual([[String(SECCOMP_FD)]]);
  });

  it('binds code, layers, the runtime at Lambda\'s paths, gust-init and the socket directory read-only; /tmp is a tmpfs of EphemeralStorage', () => {
    expect(after(options, '--ro-bind', 2)).toEqual(
      expect.arrayContaining([
        ['/usr', '/usr'],
        ['/usr/bin/bash', '/usr/bin/sh'],
        [input.codeDir, '/var/task'],
        ['/data/blobs/code/cd/cde', '/opt'],
        ['/state/runtime-1/node', '/var/runtime'],
        ['/cache/sdk/node_modules', '/var/runtime/node_modules'],
        ['/cache/node-22', '/var/lang'],
        [input.host.init, '/init'],
        [input.socketDir, '/run/gust'],
        ['/state/etc', '/etc'],
      ]),
    );
    expect(options).not.toContain('--bind');
    expect(options.join(' ')).not.toContain('/gust/runtimes');
    const tmp = options.indexOf('/tmp');
    expect(options.slice(tmp - 5, tmp + 1)).toEqual(['--perms', '1777', '--size', String(512 * 1024 * 1024), '--tmpfs', '/tmp']);
    expect(after(options, '--chdir')).toEqual([['/var/task']]);
  });

  it('runs gust-init with the status and command fds, the Runtime API port and socket; the runtime command goes through its pipe', () => {
    expect(INIT_COMMAND).toEqual(['/init', String(STATUS_FD), String(COMMAND_FD), String(RUNTIME_API_PORT), '/run/gust/runtime-api.sock']);
    expect(runtime).toEqual(['/var/lang/bin/node', '/var/runtime/bootstrap.mjs']);
  });

  it("a Python on its own system root gets that root's /usr, links in /var/lang/bin and boto3 on Lambda's path; a host Python does not see the host's packages", () => {
    const python = { language: 'python' as const, version: '3.13', runtimeDir: '/gust/runtimes/python', bootstrap: 'bootstrap.py', sdkDir: '/cache/boto3' };
    const own = bwrapArgs({ ...input, runtime: { ...python, interpreter: '/cache/py313/usr/bin/python3.13', systemRoot: '/cache/py313' } }).options;
    expect(after(own, '--ro-bind', 2)).toEqual(expect.arrayContaining([['/cache/py313/usr', '/usr'], ['/state/runtime-1/python', '/var/runtime'], ['/cache/boto3', '/var/lang/lib/python3.13/site-packages']]));
    expect(after(own, '--symlink', 2)).toEqual(expect.arrayContaining([['/usr/bin/python3.13', '/var/lang/bin/python3'], ['/usr/bin/python3.13', '/var/lang/bin/python3.13']]));
    expect(own).not.toContain('/usr/lib/python3/dist-packages');
    const host = bwrapArgs({ ...input, runtime: { ...python, version: '3.11', interpreter: '/usr/bin/python3.11' } }).options;
    expect(after(host, '--ro-bind', 2)).toEqual(expect.arrayContaining([['/usr', '/usr'], ['/state/empty', '/usr/lib/python3/dist-packages']]));
  });

  it('leaves out --seccomp where the architecture has no policy', () => {
    expect(bwrapArgs({ ...input, host: { ...input.host, seccomp: undefined } }).options).not.toContain('--seccomp');
  });
});
