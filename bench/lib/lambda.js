/** The few Lambda API calls the benchmark makes, over the plain keep-alive client. */
import { jsonRequest, post } from './http-client.js';
import { zipFiles } from './fixtures.js';

/**
 * One full CPU on Lambda's scale (MemorySize / 1769 of a vCPU). Gust holds a function to
 * that share as Lambda does; the bench's functions get a whole CPU so that the quota does
 * not slow their handlers against the unconstrained bare baselines.
 */
const MEMORY_FOR_ONE_CPU = 1769;
/** How long a function may stay Pending, and how long while Gust installs its runtime. */
const ACTIVE_WAIT_MS = 5_000;
const INSTALL_WAIT_MS = 300_000;
const INSTALLING = /^Gust is installing the runtime/;

/**
 * CreateFunction, then waits for State Active unless `waitActive` is false. `zip` saves
 * re-zipping the fixture when many functions share it.
 */
export async function createFunction(agent, base, name, fixture, extra = {}, zip = undefined, { waitActive = true } = {}) {
  const code = zip ?? (await zipFiles(fixture.files));
  await jsonRequest(agent, 'POST', `${base}/2015-03-31/functions`, {
    FunctionName: name,
    Runtime: fixture.runtime,
    Handler: fixture.handler,
    Role: 'arn:aws:iam::000000000000:role/bench',
    Code: { ZipFile: code.toString('base64') },
    Timeout: 30,
    MemorySize: MEMORY_FOR_ONE_CPU,
    ...extra,
  });
  if (!waitActive) return;
  const started = performance.now();
  for (;;) {
    const fn = await jsonRequest(agent, 'GET', `${base}/2015-03-31/functions/${name}`);
    if (fn.Configuration.State === 'Active') return;
    // On a fresh machine the first function of a runtime waits for its install (the SDK from the npm registry).
    const limit = INSTALLING.test(fn.Configuration.StateReason ?? '') ? INSTALL_WAIT_MS : ACTIVE_WAIT_MS;
    if (performance.now() - started > limit) throw new Error(`${name} did not become Active: ${fn.Configuration.State} (${fn.Configuration.StateReason ?? 'no reason given'})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function putConcurrency(agent, base, name, reserved) {
  await jsonRequest(agent, 'PUT', `${base}/2017-10-31/functions/${name}/concurrency`, { ReservedConcurrentExecutions: reserved });
}

/** Lets `principal` (a service such as s3.amazonaws.com) invoke `name` for `sourceArn`, as `aws lambda add-permission` does. */
export async function addPermission(agent, base, name, principal, sourceArn) {
  await jsonRequest(agent, 'POST', `${base}/2015-03-31/functions/${name}/policy`, {
    StatementId: `bench-${principal.split('.')[0]}`,
    Action: 'lambda:InvokeFunction',
    Principal: principal,
    SourceArn: sourceArn,
  });
}

/** `<prefix>-<6 random characters>`: a fresh function name for each round on one server. */
export function uniqueName(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

export function invokeUrl(base, name) {
  return `${base}/2015-03-31/functions/${name}/invocations`;
}

/** Invokes and checks that the function answered without error. */
export async function invoke(agent, base, name, payload, headers = {}) {
  const res = await post(agent, invokeUrl(base, name), payload, headers);
  if (res.status !== 200 || res.headers['x-amz-function-error']) {
    throw new Error(`invoke ${name} answered ${res.status} ${res.headers['x-amz-function-error'] ?? ''}: ${res.body.toString().slice(0, 300)}`);
  }
  return res;
}
