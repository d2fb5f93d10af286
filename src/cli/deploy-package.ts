/**
 * What `gust deploy` uploads: a folder zipped in memory, or a ready zip file, with the
 * function name and runtime a folder suggests when the flags do not say.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { CliError } from './output.js';
import { zipFolder } from './zip-folder.js';

export interface DeployPackage {
  zip: Buffer;
  /** The name `--name` defaults to: the folder's name, or the zip's without `.zip`. */
  defaultName: string;
  /** The runtime the folder's top-level files suggest, if any. */
  guessedRuntime?: string;
}

/**
 * Guesses a runtime from top-level file names: a `bootstrap` is a custom runtime, and
 * otherwise JavaScript or Python sources decide. Only used when creating without
 * `--runtime`.
 */
export function guessRuntime(files: string[]): string | undefined {
  const top = files.filter((f) => !f.includes('/'));
  if (top.includes('bootstrap')) return 'provided.al2023';
  if (top.some((f) => f === 'package.json' || /\.(m|c)?js$/.test(f))) return 'nodejs20.x';
  if (top.some((f) => f.endsWith('.py'))) return 'python3.12';
  return undefined;
}

export async function loadPackage(path: string): Promise<DeployPackage> {
  const abs = resolve(path);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new CliError(`${path}: no such file or directory`);
  if (st.isDirectory()) {
    const { zip, files } = await zipFolder(abs);
    if (files.length === 0) throw new CliError(`${path}: nothing to deploy (the folder has no files, or .gustignore leaves none)`);
    const guessedRuntime = guessRuntime(files);
    return { zip, defaultName: basename(abs), ...(guessedRuntime === undefined ? {} : { guessedRuntime }) };
  }
  if (!st.isFile()) throw new CliError(`${path}: not a folder or a zip file`);
  return { zip: await readFile(abs), defaultName: basename(abs, extname(abs)) };
}
