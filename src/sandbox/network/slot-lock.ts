/**
 * Which slot (address-plan.ts) this server holds: a file per slot under a run directory
 * (`/run/gust/net`, gone at reboot like the namespaces and links it stands for), created
 * exclusively and holding the owner's pid. A slot whose owner is dead is taken over: the
 * taker renames the stale file away (one rename succeeds, so one taker wins). Whoever
 * claims a slot sweeps it before use (sandbox-network.ts): a dead server may have left
 * namespaces, links and its nftables table behind.
 */
import { mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { SLOTS } from './address-plan.js';

export const DEFAULT_RUN_DIR = '/run/gust/net';

export interface HeldSlot {
  slot: number;
  release(): void;
}

export class NoFreeSlotError extends Error {
  constructor(runDir: string) {
    super(`all ${SLOTS} sandbox network slots are held by running Gust servers (${runDir}); stop one, or start this one with --sandbox-network none`);
    this.name = 'NoFreeSlotError';
  }
}

export function claimSlot(runDir = DEFAULT_RUN_DIR): HeldSlot {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  for (let slot = 0; slot < SLOTS; slot++) {
    const file = join(runDir, `slot-${slot}`);
    const owner = readOwner(file);
    if (owner !== undefined) {
      if (alive(owner)) continue;
      const away = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, away);
      } catch {
        continue;
      }
      rmSync(away, { force: true });
    }
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch {
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return { slot, release: () => rmSync(file, { force: true }) };
  }
  throw new NoFreeSlotError(runDir);
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (pid === 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
