/**
 * /tmp is the function's disk, not its memory: a 128 MB function writes 300 MB to it, a
 * write past EphemeralStorage fails with ENOSPC, and nothing of it is left on the host
 * once the environment is gone.
 */
import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { tmpDiskGap } from '../../src/sandbox/namespace/tmp-disks.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { waitUntil } from '../helpers/wait.js';

const gap = namespaceHostGap() ?? tmpDiskGap();
if (gap) console.warn(`test/sandbox/tmp-disk.spec.ts skipped: ${gap}`);

const WRITER = `
import errno, os
def handler(event, context):
    chunk = b"x" * (1024 * 1024)
    written = 0
    try:
        with open("/tmp/fill", "wb") as f:
            for _ in range(event["mb"]):
                f.write(chunk)
                written += 1
            f.flush()
            os.fsync(f.fileno())
    except OSError as err:
        return {"written": written, "error": errno.errorcode.get(err.errno)}
    finally:
        if event.get("remove"):
            os.remove("/tmp/fill")
    return {"written": written, "free_mb": os.statvfs("/tmp").f_bavail * os.statvfs("/tmp").f_frsize // 2**20}
`;

describe.skipIf(gap !== undefined)('/tmp on disk', () => {
  let t: TestGust;
  const disksDir = () => join(t.dataDir, 'sandbox', 'tmp-disks');
  const mountedDisks = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(disksDir()));

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'namespace', sandboxNetwork: 'none' }, keepDataDir: true });
    await createFunction(t.lambda, 'writer', { Runtime: 'python3.11', Handler: 'lambda_function.handler', MemorySize: 128, Timeout: 60, files: { 'lambda_function.py': WRITER } });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    if (t) rmSync(t.dataDir, { recursive: true, force: true });
  });

  it('takes 300 MB from a 128 MB function, and refuses what goes past EphemeralStorage with ENOSPC', { timeout: 120_000 }, async () => {
    const ok = await invoke(t.lambda, 'writer', { mb: 300, remove: true });
    expect(ok.functionError, ok.text).toBeUndefined();
    expect(ok.json).toMatchObject({ written: 300 });
    expect((ok.json as { free_mb: number }).free_mb).toBeGreaterThanOrEqual(500);
    const full = await invoke(t.lambda, 'writer', { mb: 600, remove: true });
    expect(full.functionError, full.text).toBeUndefined();
    expect(full.json).toMatchObject({ error: 'ENOSPC' });
    expect((full.json as { written: number }).written).toBeGreaterThanOrEqual(500);
  });

  it('gives each environment an empty /tmp, sticky-writable by all, on a disk of its own (each a copy of one formatted template)', { timeout: 60_000 }, async () => {
    const LISTER = `
import os
def handler(event, context):
    st = os.stat("/tmp")
    before = sorted(os.listdir("/tmp"))
    open("/tmp/mine", "w").write("x")
    return {"entries": before, "mode": oct(st.st_mode & 0o7777), "device": st.st_dev}
`;
    const answers = [];
    for (const name of ['lister-a', 'lister-b']) {
      await createFunction(t.lambda, name, { Runtime: 'python3.11', Handler: 'lambda_function.handler', files: { 'lambda_function.py': LISTER } });
      const r = await invoke(t.lambda, name, {});
      expect(r.functionError, r.text).toBeUndefined();
      answers.push(r.json as { entries: string[]; mode: string; device: number });
    }
    for (const a of answers) expect(a).toMatchObject({ entries: [], mode: '0o1777' });
    // The second found no trace of the first's file, and its /tmp is another filesystem.
    expect(answers[0]!.device).not.toBe(answers[1]!.device);
    for (const name of ['lister-a', 'lister-b']) await t.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  });

  it('leaves no disk of the environment behind once it is gone, and none at all after the server stops', { timeout: 60_000 }, async () => {
    const before = mountedDisks().length;
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'writer' }));
    await waitUntil(() => mountedDisks().length < before, 20_000);
    await t.stop();
    expect(mountedDisks()).toEqual([]);
    expect(readdirSync(disksDir())).toEqual([]);
  });
});
