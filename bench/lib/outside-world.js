/**
 * "The internet" for the network tests and the network bench: a network namespace of
 * their own, joined to the host by a veth pair, holding an HTTP server and a DNS server on addresses the test
 * assigns (10.123.<n>.0/30). Nothing a test sends through it leaves this machine.
 *
 * The HTTP server answers every request with `hello <client address>`; the DNS server
 * answers A queries for any name under `outside.test` with the server's address, AAAA
 * queries with no record, and anything else with NXDOMAIN.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVERS = `
const http = require('http');
const dgram = require('dgram');
const [address, httpPort] = process.argv.slice(2);
http.createServer((req, res) => res.end('hello ' + req.socket.remoteAddress)).listen(Number(httpPort), address);
const dns = dgram.createSocket('udp4');
dns.on('message', (q, from) => {
  let at = 12;
  const labels = [];
  while (q[at] !== 0) { labels.push(q.subarray(at + 1, at + 1 + q[at]).toString()); at += q[at] + 1; }
  const question = q.subarray(12, at + 5);
  const type = q.readUInt16BE(at + 1);
  const name = labels.join('.').toLowerCase();
  const known = name === 'outside.test' || name.endsWith('.outside.test');
  const header = Buffer.alloc(12);
  q.copy(header, 0, 0, 2);
  header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(1, 4);
  const answers = [];
  if (known && type === 1) {
    const a = Buffer.alloc(16);
    a.writeUInt16BE(0xc00c, 0); a.writeUInt16BE(1, 2); a.writeUInt16BE(1, 4); a.writeUInt32BE(60, 6); a.writeUInt16BE(4, 10);
    address.split('.').forEach((o, i) => (a[12 + i] = Number(o)));
    answers.push(a);
  }
  header.writeUInt16BE(answers.length, 6);
  dns.send(Buffer.concat([header, question, ...answers]), from.port, from.address);
});
dns.bind(53, address, () => console.log('ready'));
`;

function ip(...args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Whether this host can make one: root with `ip`. */
export function outsideWorldGap() {
  if (process.getuid?.() !== 0) return 'needs root to make a network namespace';
  if (spawnSync('ip', ['-V']).status !== 0) return 'needs iproute2 (ip)';
  return undefined;
}

/**
 * Makes one, named after this process; `close()` takes it down.
 * @returns {Promise<{ address: string, hostAddress: string, httpPort: number, name: string, close(): void }>}
 */
export async function startOutsideWorld() {
  const n = 1 + (process.pid % 250);
  const ns = `gtout-${process.pid}`;
  const link = `gto${process.pid}`;
  const hostAddress = `10.123.${n}.1`;
  const address = `10.123.${n}.2`;
  const dir = mkdtempSync(join(tmpdir(), 'gust-outside-'));
  let servers;
  const close = () => {
    servers?.kill('SIGKILL');
    spawnSync('ip', ['link', 'del', link]);
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', link);
    ip('link', 'set', link, 'up');
    ip('-n', ns, 'addr', 'add', `${address}/30`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', hostAddress);
    writeFileSync(join(dir, 'servers.cjs'), SERVERS);
    servers = spawn('ip', ['netns', 'exec', ns, process.execPath, join(dir, 'servers.cjs'), address, '8080'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the outside world\'s servers did not start within 10 s')), 10_000);
      servers.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { address, hostAddress, httpPort: 8080, name: 'www.outside.test', close };
  } catch (err) {
    close();
    throw err;
  }
}
