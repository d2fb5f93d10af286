/**
 * The far end of the `cluster-transport` scenario, a process of its own as a Gust node is:
 * answers each request with a 200-byte body, over HTTP (a keep-alive node:http server, as a
 * node's `POST /gust/cluster/invoke` is served) and over NATS request/reply (a subscription
 * on a subject of its own). Prints `{ url, subject }` once both listen.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as nats from '@nats-io/transport-node';

const ANSWER = Buffer.from(JSON.stringify({ StatusCode: 200, Payload: 'x'.repeat(160) }));
const subject = `bench.transport.${randomBytes(4).toString('hex')}`;

const server = createServer((req, res) => {
  let bytes = 0;
  req.on('data', (c) => (bytes += c.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length, 'x-bytes': String(bytes) });
    res.end(ANSWER);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const { hostname, port } = new URL(process.argv[2].replace(/^nats:/, 'http:'));
const nc = await nats.connect({ servers: `${hostname}:${port || 4222}` });
nc.subscribe(subject, { callback: (err, msg) => !err && msg.respond(ANSWER) });
await nc.flush();

process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/`, subject })}\n`);
process.on('SIGTERM', () => {
  server.close();
  void nc.close().then(() => process.exit(0));
});
