import { ResourceNotFoundException as RuleNotFoundException } from '@aws-sdk/client-eventbridge';
import { LambdaServiceException, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { CliError, describeError, formatBytes, keyValues, table, toJson } from './output.js';

const ENDPOINT = 'http://127.0.0.1:9000';

describe('describeError', () => {
  it('names the AWS error type and keeps only the first line of its message', () => {
    const err = new ResourceNotFoundException({ message: 'Function not found: x\nmore', $metadata: { httpStatusCode: 404 } });
    expect(describeError(err, ENDPOINT)).toBe('ResourceNotFoundException: Function not found: x');
  });

  it('recognises connection failures, including AggregateErrors of several addresses', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(describeError(refused, ENDPOINT)).toBe(`cannot reach Gust at ${ENDPOINT}: is 'gust serve' running?`);
    const aggregate = new AggregateError([refused, refused], '');
    expect(describeError(aggregate, ENDPOINT)).toMatch(/^cannot reach Gust/);
    // fetch() (the /gust/ routes) wraps the socket's error as its cause.
    expect(describeError(new TypeError('fetch failed', { cause: refused }), ENDPOINT)).toMatch(/^cannot reach Gust/);
  });

  it('names EventBridge errors as it names Lambda ones', () => {
    const err = new RuleNotFoundException({ message: 'Rule noon does not exist on EventBus default.', $metadata: { httpStatusCode: 400 } });
    expect(describeError(err, ENDPOINT)).toBe('ResourceNotFoundException: Rule noon does not exist on EventBus default.');
  });

  it('says when the answer is not an AWS error at all', () => {
    const err = new LambdaServiceException({ name: 'Unknown', $fault: 'server', message: 'UnknownError', $metadata: { httpStatusCode: 502 } });
    expect(describeError(err, ENDPOINT)).toBe(`unexpected HTTP 502 answer from ${ENDPOINT}: is it a Gust server?`);
  });

  it('prints CLI errors and other errors as their message', () => {
    expect(describeError(new CliError('bad flag'), ENDPOINT)).toBe('bad flag');
    expect(describeError(new TypeError('oops\n    at x.js:1'), ENDPOINT)).toBe('oops');
  });
});

describe('formatting', () => {
  it('aligns table columns without trailing padding', () => {
    expect(table(['A', 'LONGER'], [['wide cell', 'x'], ['y', 'z']])).toBe('A          LONGER\nwide cell  x\ny          z');
  });

  it('aligns key/value pairs and drops empty values', () => {
    expect(keyValues([['Name', 'f'], ['Description', ''], ['Memory', '128 MB'], ['Gone', undefined]])).toBe('Name    f\nMemory  128 MB');
  });

  it('drops the SDK $metadata from JSON', () => {
    expect(JSON.parse(toJson({ $metadata: { httpStatusCode: 200 }, Version: '1' }))).toEqual({ Version: '1' });
  });

  it('formats sizes', () => {
    expect(formatBytes(10)).toBe('10 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});
