import { createServer, Agent, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { NodePostError, postToNode } from './node-post.js';

let server: Server | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  agent?.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A node whose route does `handle` with each request's response, once the body is read. */
async function node(handle: (res: ServerResponse) => void): Promise<{ url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(res));
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  agent = new Agent({ keepAlive: true });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

async function failure(p: Promise<unknown>): Promise<NodePostError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NodePostError);
  return err as NodePostError;
}

it('says a node that died after its 102 had taken the request, and one that died before had not', async () => {
  let processing = false;
  const { url } = await node((res) => {
    if (processing) res.writeProcessing();
    // Dies with the request in hand.
    setTimeout(() => res.socket?.destroy(), 20);
  });
  expect((await failure(postToNode(agent!, url, '/x', '{}', 's'))).accepted).toBe(false);
  processing = true;
  expect((await failure(postToNode(agent!, url, '/x', '{}', 's'))).accepted).toBe(true);
});

it('says a request sent on a kept-alive connection the node had closed was not taken, and a refused one neither', async () => {
  const { url, sockets } = await node((res) => res.end('{"ok":true}'));
  expect(await postToNode(agent!, url, '/x', '{}', 's')).toEqual({ status: 200, text: '{"ok":true}' });
  // The node goes; the client has not yet read the end of its kept-alive connection when it sends again.
  for (const s of sockets) s.destroy();
  server!.close();
  const stale = await failure(postToNode(agent!, url, '/x', '{}', 's'));
  // Sent on the old connection (ECONNRESET); Node.js 24's agent may see the close first and
  // open a new one, which is refused. Not taken, either way.
  expect(['ECONNRESET', 'ECONNREFUSED']).toContain(stale.code);
  expect(stale.accepted).toBe(false);
  const refused = await failure(postToNode(agent!, url, '/x', '{}', 's'));
  expect(refused.code).toBe('ECONNREFUSED');
  expect(refused.accepted).toBe(false);
});
