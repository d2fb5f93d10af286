import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DnsRelay } from './dns-relay.js';

// A resolver on port 53 of a loopback address, as systemd-resolved or dnsmasq run: binding it needs root.
const root = process.getuid?.() === 0;

/** Answers every query with its own bytes and `tag` appended, so the test sees who answered. */
function fakeResolver(address: string, tag: string): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('message', (q, from) => s.send(Buffer.concat([q, Buffer.from(tag)]), from.port, from.address));
  return new Promise((resolve) => s.bind(53, address, () => resolve(s)));
}

function ask(relay: DnsRelay, query: string): Promise<string> {
  const c = createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer')), 5000);
    c.on('message', (m) => {
      clearTimeout(timer);
      c.close();
      resolve(m.toString());
    });
    c.send(query, relay.udpPort, '127.0.0.1');
  });
}

describe.skipIf(!root)('DNS relay', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('forwards to the resolver the host resolv.conf names, a loopback one included, and follows its changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-dns-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, 'search example.internal\nnameserver 127.0.0.77\n');
    for (const [address, tag] of [['127.0.0.77', ' from 77'], ['127.0.0.78', ' from 78']] as const) {
      const s = await fakeResolver(address, tag);
      closers.push(() => s.close());
    }
    const relay = await DnsRelay.listen({ host: '127.0.0.1', upstream: [], resolvConf });
    closers.push(() => relay.close());
    expect(await ask(relay, 'q1')).toBe('q1 from 77');
    writeFileSync(resolvConf, 'nameserver 127.0.0.78\n');
    expect(await ask(relay, 'q2')).toBe('q2 from 78');
  });

  it('takes the operator resolvers first, and tries the next one when one is silent', async () => {
    const s = await fakeResolver('127.0.0.79', ' from 79');
    closers.push(() => s.close());
    // 127.0.0.80 has no resolver: the query there gets nothing back.
    const relay = await DnsRelay.listen({ host: '127.0.0.1', upstream: ['127.0.0.80', '127.0.0.79'] });
    closers.push(() => relay.close());
    expect(await ask(relay, 'q3')).toBe('q3 from 79');
  });
});
