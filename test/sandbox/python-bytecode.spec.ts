/**
 * The Python bootstrap's bytecode in namespace sandboxes (src/sandbox/namespace/
 * bootstrap-bytecode.ts), through a real server, the SDK and real sandboxes. A sandbox
 * cannot write the bootstrap's `__pycache__`, so Gust compiles it: after a function's first
 * start, each module of the bootstrap has, at the path the sandbox's interpreter looks for
 * it, a file that interpreter accepts for that source (its magic number, and the source's
 * mtime and size, as Python checks them). The function itself cannot write there.
 *
 * Skipped, saying why, where the namespace driver cannot run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';

const gap = namespaceHostGap();
if (gap) console.warn(`test/sandbox/python-bytecode.spec.ts skipped: the namespace driver cannot run here: ${gap}`);

let t: TestGust | undefined;

beforeAll(async () => {
  if (gap) return;
  // No ready sandboxes: every start is the ordinary path's, which compiled the bootstrap each time.
  t = await startTestGust({ flags: { sandbox: 'namespace', readySandboxes: '0' } });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

/** For each module of the bootstrap: whether its cached bytecode is there and valid for its source, as the importer checks it. */
const PROBE = `import importlib.util, os, struct, sys

def check(module):
    source = module.__file__
    cached = importlib.util.cache_from_source(source)
    try:
        with open(cached, "rb") as f:
            head = f.read(16)
    except OSError as e:
        return "missing: " + cached + " (" + type(e).__name__ + ")"
    flags, mtime, size = struct.unpack("<III", head[4:16])
    st = os.stat(source)
    if head[:4] != importlib.util.MAGIC_NUMBER:
        return "another interpreter's"
    if flags != 0 or mtime != (int(st.st_mtime) & 0xFFFFFFFF) or size != (st.st_size & 0xFFFFFFFF):
        return "stale"
    return "valid"

def handler(event, context):
    modules = {name: check(m) for name, m in sys.modules.items() if name.startswith("_gust_runtime") and getattr(m, "__file__", None)}
    try:
        open("/var/runtime/_gust_runtime/__pycache__/written-by-a-function", "w").close()
        write = "written"
    except OSError as e:
        write = type(e).__name__
    return {"modules": modules, "write": write}
`;

it.skipIf(gap)('after the first start, every module of the Python bootstrap has valid bytecode the sandbox reads and cannot write', async () => {
  await createFunction(t!.lambda, 'py-bytecode', { Runtime: 'python3.11', Handler: 'lambda_function.handler', files: { 'lambda_function.py': PROBE } });
  let answer: { modules: Record<string, string>; write: string } | undefined;
  // The compile runs beside the first start: the warm environment sees its files appear.
  for (let i = 0; i < 100; i++) {
    const out = await invoke(t!.lambda, 'py-bytecode');
    expect(out.functionError, out.text).toBeUndefined();
    answer = out.json as typeof answer;
    if (Object.values(answer!.modules).every((v) => v === 'valid')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(Object.keys(answer!.modules).sort()).toEqual(expect.arrayContaining(['_gust_runtime', '_gust_runtime.client', '_gust_runtime.runtime']));
  expect(answer!.modules).toEqual(Object.fromEntries(Object.keys(answer!.modules).map((k) => [k, 'valid'])));
  expect(answer!.write).not.toBe('written');
}, 60_000);
