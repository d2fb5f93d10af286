/**
 * The environments' temporary files: each server works in a directory of its own under
 * `<data dir>/env-tmp`, named after its instance (sandbox/server-instance.ts), where the
 * sandboxes' TMPDIRs, the ready runtimes' directories, the namespace sandboxes' sockets
 * and the runtime probe live. A server stopped in order empties its own; one killed
 * (SIGKILL, a crash, the machine's power) leaves it, with up to the ephemeral storage of
 * every environment it ran (512 MB to 10 GB each). The next server on the data dir
 * removes what servers that are gone left, and only that: another server running on the
 * same data dir keeps its directory, which a sweep of every sandbox directory would have
 * pulled from under its environments. The same goes for the directories a ready runtime's
 * socket gets in the system's temporary directory when the data dir's path is too long for
 * one (`gust-ready-<instance>-XXXXXX`).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLeftover } from '../sandbox/server-instance.js';

/** Entries of the layout before instance directories, which a killed server of that version left. */
const UNOWNED = /^(?:gust-env-|gust-ready-|gust-ns-|runtime-probe$)/;
/** A ready runtime's socket directory in the system's temporary directory, named after its server's instance. */
const SOCKET_DIR = /^gust-ready-(\d+-\d+-[0-9a-f]+)-[A-Za-z0-9]{6}$/;

export interface EnvTmp {
  /** This server's directory. */
  dir: string;
  /** The prefix for the directories of ready runtimes' sockets whose path would be too long here. */
  socketDirPrefix: string;
  /** Removes the directories of servers that are gone; resolves with how many it removed. */
  sweep(): Promise<number>;
  /** Removes this server's directory (once its sandboxes stopped). */
  close(): void;
}

/** Makes the directory of the server named `instance` (its cgroups' name too) under `<dataDir>/env-tmp`. */
export function openEnvTmp(dataDir: string, instance: string, systemTmp = tmpdir()): EnvTmp {
  const root = join(dataDir, 'env-tmp');
  const dir = join(root, instance);
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    socketDirPrefix: join(systemTmp, `gust-ready-${instance}-`),
    async sweep() {
      const gone = readdirSync(root)
        .filter((name) => name !== instance && (isLeftover(name) || UNOWNED.test(name)))
        .map((name) => join(root, name));
      for (const name of readdirSync(systemTmp)) {
        const owner = SOCKET_DIR.exec(name)?.[1];
        if (owner !== undefined && owner !== instance && isLeftover(owner)) gone.push(join(systemTmp, name));
      }
      await Promise.all(gone.map((path) => rm(path, { recursive: true, force: true, maxRetries: 2 })));
      return gone.length;
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
