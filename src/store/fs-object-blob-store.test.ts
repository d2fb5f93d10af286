import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { FsObjectBlobStore } from './fs-object-blob-store.js';

async function* bytes(s: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(s);
}

describe('FsObjectBlobStore shared by the nodes of a cluster', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("stages in each node's own directory: a node starting clears its own leftovers, never another node's upload", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-objects-'));
    dirs.push(dir);
    const a = new FsObjectBlobStore(dir, { node: 'a' });
    const uploading = await a.stage(bytes('on a, not yet committed'));
    expect(uploading.path.startsWith(join(dir, 'tmp', 'a'))).toBe(true);

    // Node b starts and puts an object: a's upload is still there, and both read b's object.
    const b = new FsObjectBlobStore(dir, { node: 'b' });
    const hash = await b.commit(await b.stage(bytes('put on b')));
    expect(existsSync(uploading.path)).toBe(true);
    expect(await text(a.read(hash))).toBe('put on b');

    // Node a restarted: what it left half-staged goes.
    await new FsObjectBlobStore(dir, { node: 'a' }).stage(bytes('again'));
    expect(existsSync(uploading.path)).toBe(false);
  });
});
