/**
 * A 1 GiB object through `gust serve` as users run it: uploaded with lib-storage in 64 MiB
 * parts, downloaded as a stream, compared by SHA-256, while the server's RSS is sampled
 * from /proc. Bodies stream to and from disk, so the server stays under MEMORY_BOUND_MB
 * however large the object.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { crashRig, serve } from '../helpers/gust-process.js';
import { CREDENTIALS } from './support.js';

const SIZE = 1024 ** 3;
const PART = 64 * 1024 * 1024;
const MEMORY_BOUND_MB = 300;

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

/** SIZE deterministic bytes, 1 MiB at a time, hashed as they are produced. */
function source(hash: ReturnType<typeof createHash>): Readable {
  const block = Buffer.alloc(1024 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= SIZE) return void this.push(null);
      block.writeUInt32BE(sent / block.length, 0);
      const chunk = Buffer.from(block);
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

describe('gust serve: a 1 GiB multipart object', () => {
  const rig = crashRig('gust-s3-large');

  it('uploads and downloads 1 GiB intact while the server stays under its memory bound', async () => {
    rig.server = await serve(rig.dataDir, ['--sandbox', 'process']);
    const pid = rig.server.child.pid!;
    const s3 = new S3Client({ endpoint: rig.server.url, region: 'us-east-1', credentials: CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
    let peak = rssMb(pid);
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 25);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'large' }));
      const sent = createHash('sha256');
      const done = await new Upload({ client: s3, params: { Bucket: 'large', Key: 'one-gib', Body: source(sent) }, partSize: PART, queueSize: 2 }).done();
      expect(done.ETag).toMatch(/^"[0-9a-f]{32}-16"$/);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'large', Key: 'one-gib' }));
      expect(got.ContentLength).toBe(SIZE);
      const received = createHash('sha256');
      for await (const chunk of got.Body as Readable) received.update(chunk as Buffer);
      expect(received.digest('hex')).toBe(sent.digest('hex'));
    } finally {
      clearInterval(sampler);
      s3.destroy();
    }
    console.log(`1 GiB multipart upload and download: gust serve's peak RSS ${peak.toFixed(0)} MB (bound ${MEMORY_BOUND_MB} MB)`);
    expect(peak).toBeLessThan(MEMORY_BOUND_MB);
  }, 300_000);
});
