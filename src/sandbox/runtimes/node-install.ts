/**
 * Node.js interpreters from the npm registry: `node-linux-<arch>@<major>` carries the
 * official Node binary (bin/node) with its headers (include/node, for native modules
 * built against it). The newest release of the major is taken from the registry's
 * package document, its tarball checked against the document's `dist.integrity`
 * (sha512) before anything is unpacked, and unpacked with `tar`.
 */
import { createHash } from 'node:crypto';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeInstallError, runTool } from './run-tool.js';

export interface NodeRelease {
  version: string;
  tarball: string;
  integrity: string;
}

/** The newest release of `major` in the registry's document of `pkg`. */
export async function newestNodeRelease(registry: string, pkg: string, major: string): Promise<NodeRelease> {
  const url = `${registry.replace(/\/$/, '')}/${pkg}`;
  let doc: { versions?: Record<string, { dist?: { tarball?: string; integrity?: string } }> };
  try {
    // The abbreviated document: versions and their dist, without READMEs.
    const res = await fetch(url, { headers: { accept: 'application/vnd.npm.install-v1+json' }, signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (err) {
    throw new RuntimeInstallError(`the npm registry did not answer for ${pkg} (${url}): ${(err as Error).message}`);
  }
  const releases = Object.entries(doc.versions ?? {})
    .filter(([v]) => /^\d+\.\d+\.\d+$/.test(v) && v.split('.')[0] === major)
    .sort(([a], [b]) => compareVersions(b, a));
  const [version, meta] = releases[0] ?? [];
  if (!version || !meta?.dist?.tarball || !meta.dist.integrity?.startsWith('sha512-')) {
    throw new RuntimeInstallError(`the npm registry has no ${pkg}@${major} with a sha512 integrity`);
  }
  return { version, tarball: meta.dist.tarball, integrity: meta.dist.integrity };
}

/** Downloads `release`, checks its integrity, and unpacks it into `dest` (bin/node, include/, …). */
export async function installNodeRelease(release: NodeRelease, dest: string): Promise<void> {
  let body: Buffer;
  try {
    const res = await fetch(release.tarball, { signal: AbortSignal.timeout(600_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new RuntimeInstallError(`downloading ${release.tarball} failed: ${(err as Error).message}`);
  }
  const actual = `sha512-${createHash('sha512').update(body).digest('base64')}`;
  if (actual !== release.integrity) {
    throw new RuntimeInstallError(`${release.tarball} does not match the registry's integrity ${release.integrity} (got ${actual})`);
  }
  const archive = join(dest, '.package.tgz');
  writeFileSync(archive, body);
  try {
    await runTool('tar', ['-xzf', archive, '-C', dest, '--strip-components=1', '--no-same-owner']);
  } finally {
    rmSync(archive, { force: true });
  }
}

/** Numeric comparison of `a.b.c` versions. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
