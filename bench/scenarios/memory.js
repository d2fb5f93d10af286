/** Memory per idle warm environment: Gust's own RSS growth, and the environment's own RSS. */
import { readFileSync, readdirSync } from 'node:fs';
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke } from '../lib/lambda.js';
import { TwoHopServer } from '../lib/two-hop.js';
import { median } from '../lib/stats.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';

const ENVIRONMENTS = 20;

function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Every process descended from `root`, by walking /proc's parent links. */
function descendants(root) {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const out = [];
  for (const pid of parent.keys()) {
    let p = parent.get(pid);
    while (p && p !== root && p !== 1) p = parent.get(p);
    if (p === root) out.push(pid);
  }
  return out;
}

const settle = () => new Promise((r) => setTimeout(r, 1500));

export async function memoryRound({ gust }) {
  const agent = keepAliveAgent(ENVIRONMENTS + 4);
  const payload = payloadOf(64);
  const name = `mem-${Math.random().toString(36).slice(2, 8)}`;
  await createFunction(agent, gust.url, name, HANDLERS.nodeSleep);
  await invoke(agent, gust.url, name, payload);
  await settle();
  const before = gust.rssBytes();
  const childrenBefore = descendants(gust.pid).length;
  await Promise.all(Array.from({ length: ENVIRONMENTS + 1 }, () => invoke(agent, gust.url, name, payload)));
  await settle();
  const after = gust.rssBytes();
  const children = descendants(gust.pid);
  const added = children.length - childrenBefore;
  if (added < ENVIRONMENTS) throw new Error(`expected ${ENVIRONMENTS} new environments, saw ${added} new processes`);
  const envRss = median(children.map(rssOf).filter((r) => r > 0));

  const baseline = new TwoHopServer();
  await baseline.start();
  try {
    await baseline.spawnRuntimes(1, runtimeCommand('node'), runtimeEnv(prepareCode(HANDLERS.nodeSleep)));
    await settle();
    const bareRss = rssOf(baseline.children[0].pid);
    return { gustPerEnv: (after - before) / added, envRss, bareRss };
  } finally {
    await baseline.stop();
    agent.destroy();
  }
}
