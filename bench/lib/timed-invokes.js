/**
 * Sequential warm invokes against one server, for scenarios that compare two servers
 * (metrics on/off, traces on/off) block by block.
 */
import { post } from './http-client.js';
import { cpuMs } from './proc.js';

/** `count` sequential invokes: their latencies pushed on `samples`, the server's CPU ms returned. */
export async function timedInvokes(agent, url, payload, count, pid, samples) {
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await post(agent, url, payload);
    if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
    samples.push(performance.now() - t0);
  }
  return cpuMs(pid) - cpu0;
}
