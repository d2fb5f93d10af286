/**
 * The control plane, where its speed is felt: CreateFunction with a 5 MB zip until the
 * function is Active, and (opt-in, slow to set up) ListFunctions paging over 10,000
 * functions. Start-up has a scenario of its own (startup.js).
 */
import { randomBytes } from 'node:crypto';
import { jsonRequest, keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, zipFiles } from '../lib/fixtures.js';
import { createFunction, uniqueName } from '../lib/lambda.js';

/** CreateFunction with 5 MB of incompressible code, request to State Active. */
export async function createLargeRound({ gust }) {
  const agent = keepAliveAgent(2);
  const fixture = { ...HANDLERS.nodeHello, files: { ...HANDLERS.nodeHello.files, 'blob.bin': randomBytes(5 * 2 ** 20) } };
  const zip = await zipFiles(fixture.files);
  const name = uniqueName('large');
  const t0 = performance.now();
  await createFunction(agent, gust.url, name, fixture, {}, zip);
  const ms = performance.now() - t0;
  agent.destroy();
  return { ms, zipBytes: zip.length };
}

const LIST_FUNCTIONS = 10_000;

/** Creates 10,000 functions (8 at a time), then pages ListFunctions over all of them. */
export async function listFunctionsRound({ gust }) {
  const agent = keepAliveAgent(10);
  const prefix = uniqueName('list');
  const zip = await zipFiles(HANDLERS.nodeNoop.files);
  let next = 0;
  const c0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < LIST_FUNCTIONS) await createFunction(agent, gust.url, `${prefix}-${next++}`, HANDLERS.nodeNoop, {}, zip, { waitActive: false });
    }),
  );
  const createMs = performance.now() - c0;
  const t0 = performance.now();
  let seen = 0;
  let marker;
  do {
    const page = await jsonRequest(agent, 'GET', `${gust.url}/2015-03-31/functions/${marker ? `?Marker=${encodeURIComponent(marker)}` : ''}`);
    seen += page.Functions.filter((f) => f.FunctionName.startsWith(prefix)).length;
    marker = page.NextMarker;
  } while (marker);
  const listMs = performance.now() - t0;
  agent.destroy();
  if (seen !== LIST_FUNCTIONS) throw new Error(`ListFunctions showed ${seen} of ${LIST_FUNCTIONS} functions`);
  return { listMs, createPerSecond: LIST_FUNCTIONS / (createMs / 1000) };
}
