import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { FsObjectBlobStore } from '../../store/fs-object-blob-store.js';
import { SqliteS3Store } from '../../store/sqlite/sqlite-s3-store.js';
import { S3Service } from './s3-service.js';

const SERVER = '000000000000';
const TEAM = '111111111111';
const REQUEST = { requestId: 'R1', sourceIp: '192.0.2.1' };
const body = (text: string) => (async function* () { yield Buffer.from(text); })();

let dir: string;
let store: SqliteS3Store;
let s3: S3Service;
let asked: unknown[][];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gust-bucket-owners-'));
  store = SqliteS3Store.open(':memory:', SERVER);
  asked = [];
  s3 = service('us-east-1');
});

/** A service on the test's store in `region`, recording the destinations it asks about. */
function service(region: string): S3Service {
  return new S3Service({
    store,
    blobs: new FsObjectBlobStore(join(dir, 'objects')),
    clock: new ManualClock(),
    region,
    accountId: SERVER,
    notified: () => {},
    functionAccepts: (...args) => asked.push(['function', ...args]) > 0,
    queueExists: (...args) => asked.push(['queue', ...args]) > 0,
  });
}

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const thrown = async (p: Promise<unknown>) => p.then(() => undefined, (err: { awsType?: string; status?: number }) => [err.awsType, err.status]);

describe('buckets owned by accounts', () => {
  it('lets only the owner use a bucket: another account is AccessDenied, a missing bucket NoSuchBucket', async () => {
    await s3.createBucket(TEAM, 'team-data');
    await s3.putObject(TEAM, 'team-data', 'k', body('v'), { headers: {}, metadata: {}, tags: {} }, {}, { ...REQUEST, wantsCrc32c: false });
    expect(await thrown(s3.object(SERVER, 'team-data', 'k'))).toEqual(['AccessDenied', 403]);
    expect(await thrown(s3.setBucketTags(SERVER, 'team-data', { a: 'b' }))).toEqual(['AccessDenied', 403]);
    expect(await thrown(s3.copyObject(SERVER, { bucket: 'team-data', key: 'k' }, 'team-data', 'k2', undefined, REQUEST))).toEqual(['AccessDenied', 403]);
    expect(await thrown(s3.list(SERVER, 'nothing-here', { prefix: '', maxKeys: 10 }))).toEqual(['NoSuchBucket', 404]);
    expect(await thrown(s3.createBucket(SERVER, 'team-data'))).toEqual(['BucketAlreadyExists', 409]);
    // In us-east-1, S3 answers one's own bucket again with 200, for legacy compatibility.
    expect((await s3.createBucket(TEAM, 'team-data')).createdAt).toBe((await s3.bucket(TEAM, 'team-data')).createdAt);
    expect((await s3.buckets(TEAM)).map((b) => b.name)).toEqual(['team-data']);
    expect(await s3.buckets(SERVER)).toEqual([]);
    expect((await s3.report()).map((r) => [r.name, r.owner])).toEqual([['team-data', TEAM]]);
  });

  it("refuses one's own bucket again with BucketAlreadyOwnedByYou outside us-east-1, and another's with BucketAlreadyExists everywhere", async () => {
    const ireland = service('eu-west-1');
    await ireland.createBucket(TEAM, 'in-ireland');
    expect(await thrown(ireland.createBucket(TEAM, 'in-ireland'))).toEqual(['BucketAlreadyOwnedByYou', 409]);
    // The bucket's own region decides, not the server's asking.
    expect(await thrown(s3.createBucket(TEAM, 'in-ireland'))).toEqual(['BucketAlreadyOwnedByYou', 409]);
    expect(await thrown(s3.createBucket(SERVER, 'in-ireland'))).toEqual(['BucketAlreadyExists', 409]);
    await s3.createBucket(TEAM, 'in-virginia');
    expect(await thrown(s3.createBucket(SERVER, 'in-virginia'))).toEqual(['BucketAlreadyExists', 409]);
  });

  it('announces a bucket\'s events for its owner: destinations checked for it, a bare function name and the event bus in its account', async () => {
    await s3.createBucket(TEAM, 'team-data');
    await s3.setNotificationConfiguration(TEAM, 'team-data', [{ functionArn: 'resize', events: ['s3:ObjectCreated:*'], filterRules: [] }], true, REQUEST);
    expect(asked).toEqual([['function', 'resize', 'team-data', TEAM]]);
    await s3.putObject(TEAM, 'team-data', 'k', body('v'), { headers: {}, metadata: {}, tags: {} }, {}, { ...REQUEST, wantsCrc32c: false });
    const pending = await store.pendingNotifications(10);
    expect(pending.map((p) => p.destination)).toEqual([`${TEAM}:function:resize`, `arn:aws:events:us-east-1:${TEAM}:event-bus/default`]);
    const event = JSON.parse(pending[1]!.payload) as { account: string; detail: { requester: string } };
    expect([event.account, event.detail.requester]).toEqual([TEAM, TEAM]);
  });

  it('links an external bucket for the server account', async () => {
    await s3.linkExternal('photos');
    expect((await s3.bucket(SERVER, 'photos')).external).toBe(true);
    expect(await thrown(s3.bucket(TEAM, 'photos'))).toEqual(['AccessDenied', 403]);
  });
});
