import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What the servers of `dataDir` have in env-tmp: `<instance>/<entry>` for each entry of each server's directory. */
export function envTmpEntries(dataDir: string): string[] {
  const root = join(dataDir, 'env-tmp');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((instance) => readdirSync(join(root, instance)).map((entry) => `${instance}/${entry}`));
}
