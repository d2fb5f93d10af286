/**
 * Memory per idle warm environment: Gust's own RSS growth, and the environment's own RSS.
 * Runs on a Gust of its own, so that what earlier scenarios left behind (environments,
 * garbage not yet collected) does not move its RSS.
 */
import { startGustProcess } from '../lib/gust-process.js';
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';
import { parents, rssOf, spawnerOf } from '../lib/proc.js';
import { TwoHopProcess } from '../lib/two-hop.js';
import { median } from '../lib/stats.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';

const ENVIRONMENTS = 20;

/**
 * The RSS of each process tree that Gust started, by top pid: one per environment (the
 * runtime alone with the process driver, which forks in the server; the sandbox's own
 * helpers too with others, which fork in Gust's spawner, whose own tree is not counted).
 */
function environmentTrees(gustPid) {
  const parent = parents();
  const spawner = spawnerOf(gustPid, parent);
  const roots = new Set([gustPid, spawner]);
  const rss = new Map();
  for (const pid of parent.keys()) {
    if (pid === spawner) continue;
    let top = pid;
    while (!roots.has(parent.get(top)) && parent.get(top) > 1) top = parent.get(top);
    if (roots.has(parent.get(top)) && top !== spawner) rss.set(top, (rss.get(top) ?? 0) + rssOf(pid));
  }
  return rss;
}

const settle = () => new Promise((r) => setTimeout(r, 1500));

export async function memoryRound({ gustOptions }) {
  // What environments cost, without the ready sandboxes a burst of them makes the pool boot
  // (the ready scenario measures those).
  const gust = await startGustProcess({ ...gustOptions, args: ['--ready-sandboxes', '0'] });
  try {
    return await measure(gust);
  } finally {
    await gust.stop();
  }
}

async function measure(gust) {
  const agent = keepAliveAgent(ENVIRONMENTS + 4);
  const payload = payloadOf(64);
  const name = uniqueName('mem');
  await createFunction(agent, gust.url, name, HANDLERS.nodeHold);
  await invoke(agent, gust.url, name, payload);
  await settle();
  const before = gust.rssBytes();
  const treesBefore = environmentTrees(gust.pid);
  await Promise.all(Array.from({ length: ENVIRONMENTS + 1 }, () => invoke(agent, gust.url, name, payload)));
  await settle();
  const after = gust.rssBytes();
  const added = [...environmentTrees(gust.pid)].filter(([pid]) => !treesBefore.has(pid)).map(([, rss]) => rss);
  if (added.length !== ENVIRONMENTS) throw new Error(`expected ${ENVIRONMENTS} new environments, saw ${added.length} new process trees`);
  const envRss = median(added);

  const baseline = new TwoHopProcess();
  await baseline.start();
  try {
    const [pid] = await baseline.spawnRuntimes(1, runtimeCommand('node'), runtimeEnv(prepareCode(HANDLERS.nodeHold)));
    await settle();
    const bareRss = rssOf(pid);
    return { gustPerEnv: (after - before) / ENVIRONMENTS, envRss, bareRss };
  } finally {
    await baseline.stop();
    agent.destroy();
  }
}
