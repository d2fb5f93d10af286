/**
 * UrlService on the real embedded stores with a manual clock: AWS's validation and error
 * messages, the in-memory read path, and configurations following their function and
 * alias out of existence (by change event, and at load after a crash).
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../core/clock.js';
import { SqliteUrlStore } from '../store/sqlite/sqlite-url-store.js';
import type { FunctionService } from './function-service.js';
import { failure, handlerZip, nodeFunction, openFunctionFixture, settle, TEST_PARTITION as PARTITION, type FunctionFixture } from '../../test/helpers/functions.js';
import { UrlService } from './url-service.js';

describe('UrlService', () => {
  let fixture: FunctionFixture;
  let dir: string;
  let urlStore: SqliteUrlStore;
  let functions: FunctionService;
  let clock: ManualClock;
  let urls: UrlService;

  beforeEach(async () => {
    fixture = await openFunctionFixture({ startMs: Date.UTC(2026, 1, 3, 4, 5, 6, 789) });
    ({ dir, clock, functions } = fixture);
    urlStore = SqliteUrlStore.open(join(dir, 'urls.db'));
    urls = new UrlService({ store: urlStore, functions, partition: PARTITION, clock });
    await urls.load();
    await functions.createFunction(nodeFunction('f', await handlerZip()));
    await settle();
    await functions.createAlias({ functionName: 'f', name: 'live', functionVersion: '$LATEST' });
  });
  afterEach(async () => {
    await settle();
    await urlStore.close();
    await fixture.close();
  });

  it("announces its writes, and a second node's service takes another's on refresh", async () => {
    const announced: string[] = [];
    const mine = new UrlService({ store: urlStore, functions, partition: PARTITION, clock, announce: (name) => announced.push(name) });
    const other = new UrlService({ store: urlStore, functions, partition: PARTITION, clock });
    const created = await mine.create({ functionName: 'f', authType: 'NONE' });
    await mine.create({ functionName: 'f', qualifier: 'live', authType: 'NONE' });
    expect(other.resolve(created.urlId)).toBeUndefined();
    await other.refresh('f');
    expect(other.resolve(created.urlId)).toEqual(created);
    expect(other.list('f', {}).items.map((c) => c.qualifier)).toEqual([undefined, 'live']);
    await mine.update({ functionName: 'f', authType: 'AWS_IAM' });
    await mine.delete('f', 'live');
    await other.refresh('f');
    expect(other.resolve(created.urlId)?.authType).toBe('AWS_IAM');
    expect(other.list('f', {}).items).toHaveLength(1);
    expect(announced).toEqual(['f', 'f', 'f', 'f']);
  });

  it('creates a configuration with a stable 32-character url-id and serves it from memory', async () => {
    const created = await urls.create({ functionName: 'f', authType: 'NONE' });
    expect(created).toEqual({
      urlId: expect.stringMatching(/^[a-z0-9]{32}$/),
      functionName: 'f',
      authType: 'NONE',
      creationTime: '2026-02-03T04:05:06.789Z',
      lastModifiedTime: '2026-02-03T04:05:06.789Z',
    });
    expect(urls.resolve(created.urlId)).toEqual(created);
    expect(urls.functionArn(created)).toBe('arn:aws:lambda:us-east-1:000000000000:function:f');

    clock.advance(1000);
    const updated = await urls.update({ functionName: 'f', invokeMode: 'RESPONSE_STREAM', cors: { allowOrigins: ['*'] } });
    expect(updated).toEqual({ ...created, invokeMode: 'RESPONSE_STREAM', cors: { allowOrigins: ['*'] }, lastModifiedTime: '2026-02-03T04:05:07.789Z' });
    expect(urls.get('f')).toEqual(updated);
  });

  it('keeps one configuration per function and one per alias', async () => {
    const plain = await urls.create({ functionName: 'f', authType: 'NONE' });
    const live = await urls.create({ functionName: 'f', qualifier: 'live', authType: 'AWS_IAM' });
    expect(live.urlId).not.toBe(plain.urlId);
    expect(urls.functionArn(live)).toBe('arn:aws:lambda:us-east-1:000000000000:function:f:live');
    expect(await failure(urls.create({ functionName: 'f', qualifier: 'live', authType: 'NONE' }))).toEqual({
      type: 'ResourceConflictException',
      message: 'Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:f:live]. Error message:  FunctionUrlConfig exists for this Lambda function',
    });
    expect(urls.list('f', {}).items.map((c) => c.qualifier)).toEqual([undefined, 'live']);
    const first = urls.list('f', { maxItems: 1 });
    expect(first.items.map((c) => c.qualifier)).toEqual([undefined]);
    expect(urls.list('f', { marker: first.nextMarker }).items.map((c) => c.qualifier)).toEqual(['live']);
  });

  it('answers with AWS errors for missing functions, aliases and configurations', async () => {
    expect(await failure(urls.create({ functionName: 'nope', authType: 'NONE' }))).toEqual({ type: 'ResourceNotFoundException', message: 'Function does not exist' });
    expect(await failure(urls.create({ functionName: 'f', qualifier: 'gone', authType: 'NONE' }))).toEqual({ type: 'ResourceNotFoundException', message: 'Function does not exist' });
    expect(await failure(() => urls.get('f'))).toEqual({ type: 'ResourceNotFoundException', message: 'The resource you requested does not exist.' });
    expect(await failure(() => urls.get('nope'))).toEqual({ type: 'ResourceNotFoundException', message: 'The resource you requested does not exist.' });
    expect(await failure(urls.update({ functionName: 'f', authType: 'NONE' }))).toEqual({ type: 'ResourceNotFoundException', message: 'The resource you requested does not exist.' });
    expect(await failure(urls.update({ functionName: 'nope' }))).toEqual({ type: 'ResourceNotFoundException', message: 'Function does not exist' });
    expect(await failure(urls.delete('f'))).toEqual({ type: 'ResourceNotFoundException', message: 'The resource you requested does not exist.' });
    expect(await failure(() => urls.list('nope', {}))).toEqual({ type: 'ResourceNotFoundException', message: 'Function does not exist' });
  });

  it('refuses $LATEST, versions and malformed values as AWS does, all at once', async () => {
    expect(await failure(urls.create({ functionName: 'f', qualifier: '$LATEST', authType: 'NONE' }))).toEqual({
      type: 'ValidationException',
      message: "1 validation error detected: Value '$LATEST' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
    });
    expect((await failure(() => urls.get('f', '1'))).message).toBe(
      "1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))",
    );
    expect(await failure(urls.create({ functionName: 'f', authType: 'OPEN', invokeMode: 'UNKNOWN', cors: { allowMethods: ['GET', 'OPTIONS'], allowOrigins: [''], maxAge: 86401 } }))).toEqual({
      type: 'ValidationException',
      message:
        "5 validation errors detected: Value 'OPEN' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]; " +
        "Value 'OPTIONS' at 'cors.allowMethods.2.member' failed to satisfy constraint: Member must have length less than or equal to 6; " +
        "Value '' at 'cors.allowOrigins.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400; " +
        "Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
    });
    expect((await failure(urls.create({ functionName: 'f' }))).message).toBe(
      "1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null",
    );
    expect((await failure(urls.create({ functionName: 'f', authType: 'NONE', cors: { allowMethods: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'HEAD', '*'] } }))).message).toBe(
      "1 validation error detected: Value '[GET, PUT, POST, PATCH, DELETE, HEAD, *]' at 'cors.allowMethods' failed to satisfy constraint: Member must have length less than or equal to 6",
    );
  });

  it('drops the configuration of a deleted alias or function at once and in the store', async () => {
    const plain = await urls.create({ functionName: 'f', authType: 'NONE' });
    const live = await urls.create({ functionName: 'f', qualifier: 'live', authType: 'NONE' });
    await functions.deleteAlias('f', 'live');
    expect(urls.resolve(live.urlId)).toBeUndefined();
    expect(urls.resolve(plain.urlId)).toBeDefined();
    await functions.deleteFunction('f');
    expect(urls.resolve(plain.urlId)).toBeUndefined();
    await settle();
    expect(await urlStore.listUrlConfigs()).toEqual([]);
  });

  it('reloads configurations from the store and removes those whose target is gone', async () => {
    const plain = await urls.create({ functionName: 'f', authType: 'AWS_IAM', cors: { allowOrigins: ['https://a.example'] } });
    // A configuration the process could not remove before it stopped: its alias no longer exists.
    await urlStore.putUrlConfig({ ...plain, urlId: 'z'.repeat(32), qualifier: 'gone' });
    const again = new UrlService({ store: urlStore, functions, partition: PARTITION, clock });
    await again.load();
    expect(again.resolve(plain.urlId)).toEqual(plain);
    expect(again.resolve('z'.repeat(32))).toBeUndefined();
    expect((await urlStore.listUrlConfigs()).map((c) => c.urlId)).toEqual([plain.urlId]);
  });
});
