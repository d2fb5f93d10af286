/**
 * The AWS SDKs a runtime includes, as on Lambda:
 * - Node.js: the v3 clients that runtimes/sdk/nodejs/package-lock.json pins, installed with
 *   `npm ci` (which checks every package's integrity against the lockfile) into a
 *   node_modules shared by every Node.js version; named by the lockfile's hash.
 * - Python: boto3 and its pure-Python dependencies as Debian 13 ships them, one directory
 *   of packages shared by every Python version; each package's upstream version is checked
 *   against BOTO3_PACKAGES, so a Debian security rebuild is taken and anything else refused.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BOTO3_PACKAGES, BOTO3_SUITE } from './catalog.js';
import { PrivateApt, unpackDebs, upstreamVersion, type DebianArchive } from './debian-install.js';
import { RuntimeInstallError, runTool } from './run-tool.js';

/** The store entry of the Node.js SDK pinned by the lockfile in `sdkSource`. */
export function nodeSdkEntry(sdkSource: string): string {
  const hash = createHash('sha256').update(readFileSync(join(sdkSource, 'package-lock.json'))).digest('hex').slice(0, 12);
  return `node-sdk-${hash}`;
}

/** Installs the lockfile's packages into `dest/node_modules`. */
export async function installNodeSdk(sdkSource: string, dest: string, registry: string): Promise<void> {
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(sdkSource, f), join(dest, f));
  const args = ['ci', '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', `--registry=${registry}`];
  await runTool('npm', args, { cwd: dest });
}

/** The store entry of the Python SDK. */
export function pythonSdkEntry(): string {
  return `python-sdk-boto3-${BOTO3_PACKAGES['python3-boto3']}`;
}

/** Downloads boto3 and its dependencies from Debian and puts their packages directly in `dest`. */
export async function installPythonSdk(dest: string, archive: DebianArchive): Promise<void> {
  const work = join(dest, '.apt');
  const apt = new PrivateApt(work, BOTO3_SUITE, archive);
  await apt.update();
  const debs = await apt.download(Object.keys(BOTO3_PACKAGES));
  for (const deb of debs) {
    const name = (deb.split('/').pop() ?? '').split('_')[0]!;
    const want = BOTO3_PACKAGES[name];
    if (want !== undefined && upstreamVersion(deb) !== want) {
      throw new RuntimeInstallError(`Debian ${BOTO3_SUITE.suite} now has ${name} ${upstreamVersion(deb)}, not the pinned ${want}`);
    }
  }
  const unpacked = join(work, 'root');
  await unpackDebs(debs, unpacked);
  const packages = join(unpacked, 'usr', 'lib', 'python3', 'dist-packages');
  for (const name of readdirSync(packages)) renameSync(join(packages, name), join(dest, name));
  rmSync(work, { recursive: true, force: true });
}
