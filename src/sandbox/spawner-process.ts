/**
 * The source of Gust's spawner: a small Node process, started once, that forks on the
 * server's behalf (see host-spawner.ts). It is plain CommonJS run with `node -e`, so the
 * same text works from the TypeScript sources and from dist/.
 *
 * Messages in (over the IPC channel):
 * - `{op: 'spawn', id, command, args, env, detached, stdio}` where each stdio entry is
 *   'ignore', 'pipe' or `{file}` (opened read-only here and given to the child). Answers one
 *   `{op: 'pipe', id, fd}` message per pipe, carrying the pipe's socket, then
 *   `{op: 'spawn', id, pid}`, and later `{op: 'exit', id, code, signal}`; or `{op: 'error', id, message, code}`.
 * - `{op: 'run', id, command, args, env, input}`: runs a command, in a process group of its
 *   own, to its end: answers `{op: 'started', id, pid}`, then
 *   `{op: 'ran', id, code, signal, stdout, stderr}` (or an error).
 *
 * Pipes are handed over as soon as the child exists, stderr first: a launcher's first words
 * are an error on stderr, and the first handle goes out at once while later ones wait for
 * the server's acknowledgement of the one before. Until a pipe is handed over it must not be
 * read here (its bytes would stay in this process), so reading is stopped on creation: Node
 * starts reading a child's pipes when it makes them, and `pause()` does not stop that.
 *
 * It exits when the server's end of the channel closes (the server ended, however), and
 * the launchers it started die with it (their PDEATHSIG), as they died with the server.
 */
export const SPAWNER_SOURCE = String.raw`
'use strict';
const { spawn } = require('node:child_process');
const { openSync, closeSync } = require('node:fs');

process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m.op === 'spawn') start(m);
  else if (m.op === 'run') run(m);
});

function reply(message, handle) {
  if (process.connected) process.send(message, handle);
}

function failed(id, err) {
  reply({ op: 'error', id, message: err.message, code: err.code });
}

function start(m) {
  const opened = [];
  let child;
  try {
    const stdio = m.stdio.map((s) => {
      if (s === null || typeof s !== 'object') return s;
      const fd = openSync(s.file, 'r');
      opened.push(fd);
      return fd;
    });
    child = spawn(m.command, m.args, { env: m.env, detached: m.detached, stdio });
  } catch (err) {
    failed(m.id, err);
    return;
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  if (child.pid === undefined) {
    child.once('error', (err) => failed(m.id, err));
    return;
  }
  child.on('error', () => undefined);
  const pipes = m.stdio.map((s, fd) => (s === 'pipe' ? fd : -1)).filter((fd) => fd >= 0);
  for (const fd of pipes) {
    const handle = child.stdio[fd]._handle;
    if (handle && handle.reading !== false && fd !== 0) {
      handle.reading = false;
      handle.readStop();
    }
  }
  pipes.sort((a, b) => (a === 2 ? -1 : b === 2 ? 1 : a - b));
  for (const fd of pipes) reply({ op: 'pipe', id: m.id, fd }, child.stdio[fd]);
  reply({ op: 'spawn', id: m.id, pid: child.pid });
  child.once('exit', (code, signal) => reply({ op: 'exit', id: m.id, code, signal }));
}

function run(m) {
  let child;
  try {
    child = spawn(m.command, m.args, { env: m.env, detached: true, stdio: [m.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  } catch (err) {
    failed(m.id, err);
    return;
  }
  if (child.pid !== undefined) reply({ op: 'started', id: m.id, pid: child.pid });
  const out = [];
  const err = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.once('error', (e) => failed(m.id, e));
  child.once('close', (code, signal) => {
    if (child.pid === undefined) return;
    reply({ op: 'ran', id: m.id, code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
  });
  if (m.input !== undefined) child.stdin.end(m.input);
}
`;
