/**
 * The cost of OpenTelemetry traces (issue 18): warm invokes on two Gusts started for the
 * round, one without an OTLP endpoint (tracing off) and one exporting every run to a local
 * OTLP/HTTP sink (tracing on, every run sampled, the SDK's default batching), in
 * alternating halves so that load moves both alike:
 * - sequential latency p50, 1 KB payload, and the server's CPU per invoke;
 * - spans the sink received per invoke on, which shows the exporter kept up.
 */
import { createServer } from 'node:http';
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invokeUrl, uniqueName } from '../lib/lambda.js';
import { startGustProcess } from '../lib/gust-process.js';
import { timedInvokes } from '../lib/timed-invokes.js';
import { percentile, sortedCopy } from '../lib/stats.js';

/** An OTLP/HTTP JSON receiver that counts spans and drops them. */
async function startSink() {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    spans: () => spans,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

export async function tracesRound({ quick, gustOptions }) {
  const sink = await startSink();
  // Both fresh: the bench's shared server has served other scenarios, and a process's age shows in its CPU.
  const plain = await startGustProcess(gustOptions);
  const traced = await startGustProcess({ ...gustOptions, env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } });
  const agent = keepAliveAgent(8);
  try {
    const payload = payloadOf(1024);
    const servers = { off: plain, on: traced };
    const urls = {};
    for (const [mode, server] of Object.entries(servers)) {
      const name = uniqueName(`traces-${mode}`);
      await createFunction(agent, server.url, name, HANDLERS.nodeHello);
      urls[mode] = invokeUrl(server.url, name);
      await timedInvokes(agent, urls[mode], payload, 50, server.pid, []);
    }
    const half = quick ? 150 : 500;
    const samples = { off: [], on: [] };
    const cpu = { off: 0, on: 0 };
    const spans0 = sink.spans();
    for (let i = 0; i < 2; i++) {
      for (const mode of ['off', 'on']) cpu[mode] += await timedInvokes(agent, urls[mode], payload, half, servers[mode].pid, samples[mode]);
    }
    // The last batch goes out within the processor's delay (5 s): counted once the sink has heard nothing for longer.
    let last = sink.spans();
    let quietSince = Date.now();
    while (Date.now() - quietSince < 5500) {
      await new Promise((r) => setTimeout(r, 250));
      if (sink.spans() !== last) [last, quietSince] = [sink.spans(), Date.now()];
    }
    const stats = (mode) => ({ p50: percentile(sortedCopy(samples[mode]), 50), cpuUs: (cpu[mode] * 1000) / (2 * half) });
    return { off: stats('off'), on: stats('on'), spansPerInvoke: (sink.spans() - spans0) / (2 * half) };
  } finally {
    agent.destroy();
    await traced.stop();
    await plain.stop();
    await sink.close();
  }
}
