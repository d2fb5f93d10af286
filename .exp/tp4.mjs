import { startGustProcess } from '../bench/lib/gust-process.js';
import { keepAliveAgent, post } from '../bench/lib/http-client.js';
import { HANDLERS, payloadOf } from '../bench/lib/fixtures.js';
import { createFunction, invokeUrl, putConcurrency } from '../bench/lib/lambda.js';
import { cpuMs } from '../bench/lib/proc.js';
const prof = process.argv[2];
const gust = await startGustProcess({ sandbox: 'process', ...(prof ? { cpuProfDir: prof } : {}) });
const agent = keepAliveAgent(64);
await createFunction(agent, gust.url, 'tp', HANDLERS.nodeHello);
await putConcurrency(agent, gust.url, 'tp', 4);
const payload = payloadOf(1024);
const url = invokeUrl(gust.url, 'tp');
async function throughput(ms, clients) {
  let ok = 0; const end = performance.now() + ms; const c0 = cpuMs(gust.pid);
  await Promise.all(Array.from({ length: clients }, async () => { while (performance.now() < end) { const s = (await post(agent, url, payload)).status; if (s !== 200) throw new Error(String(s)); ok++; } }));
  return { clients, perSecond: Math.round(ok / (ms / 1000)), cpuUsPerOk: Math.round((cpuMs(gust.pid) - c0) * 1000 / ok) };
}
await throughput(1000, 4);
for (let i = 0; i < 3; i++) console.log(await throughput(3000, 4));
await gust.stop(); agent.destroy();
