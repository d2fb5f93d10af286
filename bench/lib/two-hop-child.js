/**
 * The two-hop server in a process of its own (forked by TwoHopProcess), so that it gets a
 * core of its own as Gust does, and its CPU time can be read apart from the client's.
 * Commands arrive over the IPC channel; each is answered with {id, result} or {id, error}.
 */
import { TwoHopServer } from './two-hop.js';

const server = new TwoHopServer(JSON.parse(process.argv[2] ?? '{}'));

const commands = {
  async start() {
    await server.start();
    return { url: server.url, base: server.base };
  },
  async spawnRuntimes({ count, command, env }) {
    const before = server.children.length;
    await server.spawnRuntimes(count, command, env);
    return server.children.slice(before).map((c) => c.pid);
  },
  async stop() {
    await server.stop();
    setImmediate(() => process.exit(0));
  },
};

// The bench is gone (it failed or was stopped): the runtimes go with this process.
process.on('disconnect', () => {
  server.stop().finally(() => process.exit(0));
});

function reply(message) {
  if (process.connected) process.send(message);
}

process.on('message', async ({ id, name, args }) => {
  try {
    reply({ id, result: await commands[name](args) });
  } catch (err) {
    reply({ id, error: String(err?.stack ?? err) });
  }
});
