import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import { removeTree } from './fs-tree.js';
import { claimUncompressedSize, link, listTree, zipEntries, renameEntry, zerosZip } from '../../test/helpers/zips.js';
import { extractZip } from './zip-package.js';

const UNZIP_FAILED = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
const entryRefused = (name: string, why: string) => `Could not unzip uploaded file. The entry '${name}' ${why}.`;

let root: string;
let dest: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gust-zip-'));
  dest = join(root, 'out');
});
afterEach(async () => {
  await removeTree(root);
});

/** Extraction must fail with exactly this error and leave nothing behind. */
async function expectRefusal(zip: Buffer, message: string, maxUnzippedBytes?: number): Promise<void> {
  const error = await extractZip(zip, dest, maxUnzippedBytes === undefined ? {} : { maxUnzippedBytes }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InvalidParameterValueException);
  expect((error as Error).message).toBe(message);
  expect(existsSync(dest)).toBe(false);
}

describe('extractZip', () => {
  it('unpacks nested directories into a read-only tree and counts the bytes', async () => {
    const zip = await zipEntries([
      { name: 'index.js', data: 'exports.handler = async () => 1;' },
      { name: 'lib/' },
      { name: 'lib/deep/er/util.js', data: 'module.exports = 2;' },
      { name: 'assets/empty.txt', data: '' },
      { name: 'stored.bin', data: randomBytes(1000), compress: false },
    ]);
    const result = await extractZip(zip, dest);
    expect(result).toEqual({ unzippedSize: 32 + 19 + 0 + 1000, files: 4 });
    expect(await readFile(join(dest, 'lib/deep/er/util.js'), 'utf8')).toBe('module.exports = 2;');
    expect(await listTree(dest)).toEqual([
      { path: 'assets', type: 'dir', mode: 0o555 },
      { path: 'assets/empty.txt', type: 'file', mode: 0o444 },
      { path: 'index.js', type: 'file', mode: 0o444 },
      { path: 'lib', type: 'dir', mode: 0o555 },
      { path: 'lib/deep', type: 'dir', mode: 0o555 },
      { path: 'lib/deep/er', type: 'dir', mode: 0o555 },
      { path: 'lib/deep/er/util.js', type: 'file', mode: 0o444 },
      { path: 'stored.bin', type: 'file', mode: 0o444 },
    ]);
    expect((await listTree(root)).find((e) => e.path === 'out')?.mode).toBe(0o555);
  });

  it('keeps the execute bit of executables such as bootstrap', async () => {
    const zip = await zipEntries([
      { name: 'bootstrap', data: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      { name: 'bin/tool', data: 'x', mode: 0o100700 },
      { name: 'data.txt', data: 'x', mode: 0o100644 },
      { name: 'open.txt', data: 'x', mode: 0o100666 },
    ]);
    await extractZip(zip, dest);
    const modes = Object.fromEntries((await listTree(dest)).map((e) => [e.path, e.mode]));
    expect(modes).toEqual({ bootstrap: 0o555, bin: 0o555, 'bin/tool': 0o555, 'data.txt': 0o444, 'open.txt': 0o444 });
  });

  it('recreates symbolic links that stay inside the package', async () => {
    const zip = await zipEntries([
      { name: 'lib/v1/x.txt', data: 'one' },
      link('lib/current', 'v1'),
      link('top.txt', 'lib/current/x.txt'),
      link('self', '.'),
    ]);
    const result = await extractZip(zip, dest);
    expect(result.unzippedSize).toBe(3 + 2 + 17 + 1);
    expect(await readlink(join(dest, 'lib/current'))).toBe('v1');
    expect(await readlink(join(dest, 'top.txt'))).toBe('lib/current/x.txt');
    expect(await readFile(join(dest, 'top.txt'), 'utf8')).toBe('one');
    expect((await listTree(dest)).filter((e) => e.type === 'link').map((e) => e.path)).toEqual(['lib/current', 'self', 'top.txt']);
  });

  it('accepts an empty archive', async () => {
    expect(await extractZip(await zipEntries([]), dest)).toEqual({ unzippedSize: 0, files: 0 });
    expect(await listTree(dest)).toEqual([]);
  });

  it.each([
    ['to a parent', '../../etc/passwd'],
    ['to an absolute path', '/etc/passwd'],
  ])('refuses a symbolic link %s', async (_, target) => {
    const zip = await zipEntries([{ name: 'ok.txt', data: 'x' }, link('lib/evil', target)]);
    await expectRefusal(zip, entryRefused('lib/evil', `is a symbolic link to '${target}', outside the package`));
  });

  it('refuses a symbolic link that leaves through another link', async () => {
    const zip = await zipEntries([link('d/up', '..'), link('sneaky', 'd/up/../secret')]);
    await expectRefusal(zip, entryRefused('sneaky', "is a symbolic link to 'd/up/../secret', outside the package"));
  });

  it('refuses an entry written through a symbolic link', async () => {
    const zip = await zipEntries([{ name: 'd/a.txt', data: 'x' }, link('l', 'd'), { name: 'l/b.txt', data: 'y' }]);
    await expectRefusal(zip, entryRefused('l/b.txt', "is inside 'l', which is a symbolic link"));
  });

  it.each([
    ['__/evil', '../evil', 'points outside the package'],
    ['lib/__/__/evil', 'lib/../../evil', 'points outside the package'],
    ['_etc/x', '/etc/x', 'has an absolute path'],
    ['C_/x', 'C:/x', 'has an absolute path'],
    ['__Xevil', '..\\evil', 'points outside the package'],
  ])('refuses the entry %s patched to %j', async (safe, evil, why) => {
    const zip = renameEntry(await zipEntries([{ name: 'fine.txt', data: 'x' }, { name: safe, data: 'pwned' }]), safe, evil);
    await expectRefusal(zip, entryRefused(evil, why));
    expect(existsSync(join(root, 'evil'))).toBe(false);
  });

  it('refuses duplicate entries instead of letting one win', async () => {
    const zip = await zipEntries([{ name: 'a.txt', data: 'first' }, { name: 'a.txt', data: 'second' }]);
    await expectRefusal(zip, entryRefused('a.txt', 'appears more than once'));
  });

  it('refuses a zip bomb while extracting', async () => {
    const zip = await zerosZip('bomb.bin', 5 * 1024 * 1024);
    expect(zip.length).toBeLessThan(50 * 1024);
    await expectRefusal(zip, 'Unzipped size must be smaller than 1048576 bytes', 1024 * 1024);
  });

  it('refuses a zip bomb whose header lies about its size', async () => {
    const zip = claimUncompressedSize(await zerosZip('bomb.bin', 5 * 1024 * 1024), 100);
    await expectRefusal(zip, UNZIP_FAILED, 1024 * 1024);
  });

  it('counts the bytes of all entries together', async () => {
    const part = randomBytes(400 * 1024);
    const zip = await zipEntries([1, 2, 3].map((i) => ({ name: `part${i}`, data: part })));
    await expectRefusal(zip, 'Unzipped size must be smaller than 1048576 bytes', 1024 * 1024);
    await expect(extractZip(zip, dest, { maxUnzippedBytes: 3 * 400 * 1024 })).resolves.toEqual({ unzippedSize: 3 * 400 * 1024, files: 3 });
  });

  it('refuses a package over the default limit of 262144000 bytes', async () => {
    const zip = await zerosZip('big.bin', LIMITS.unzippedCodeBytes + 1);
    await expectRefusal(zip, 'Unzipped size must be smaller than 262144000 bytes');
  });

  it.each([
    ['an empty buffer', async () => Buffer.alloc(0)],
    ['random bytes', async () => randomBytes(4096)],
    ['a truncated zip', async () => (await zipEntries([{ name: 'a.txt', data: randomBytes(5000) }])).subarray(0, 3000)],
    ['a zip missing its last bytes', async () => (await zipEntries([{ name: 'a.txt', data: 'x' }])).subarray(0, -1)],
    [
      'a zip with corrupt compressed data',
      async () => {
        const zip = await zipEntries([{ name: 'a.txt', data: 'hello hello hello hello hello' }]);
        zip.fill(0xff, 40, 50);
        return zip;
      },
    ],
  ])('refuses %s', async (_, make) => {
    await expectRefusal(await make(), UNZIP_FAILED);
  });

  it('passes errors of its own file system through, not as the user’s fault', async () => {
    const zip = await zipEntries([{ name: 'a.txt', data: 'x' }]);
    await expect(extractZip(zip, join(root, 'missing', 'out'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
