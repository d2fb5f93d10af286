import { describe, expect, it } from 'vitest';
import { parseInputPath, targetPayload } from './target-input.js';

const event = { source: 's', 'detail-type': 'd', resources: ['r1', 'r2'], detail: { a: { b: [10, { c: 'deep' }] }, 'with-dash': 1, nothing: null } };
const payload = (target: { input?: string; inputPath?: string }): unknown => {
  const buf = targetPayload(target, event);
  return buf === undefined ? undefined : JSON.parse(buf.toString('utf8'));
};

describe('target input', () => {
  it('sends the whole event without Input or InputPath', () => {
    expect(payload({})).toEqual(event);
  });

  it('sends Input as given', () => {
    expect(targetPayload({ input: '{ "spaced" : true }' }, event)?.toString()).toBe('{ "spaced" : true }');
  });

  it.each([
    ['$', event],
    ['$.detail', event.detail],
    ['$.detail.a.b[0]', 10],
    ['$.detail.a.b[1].c', 'deep'],
    ["$.detail['with-dash']", 1],
    ['$["detail"]["a"]', event.detail.a],
    ['$.resources[1]', 'r2'],
    ['$.detail.nothing', null],
  ])('selects %s', (inputPath, expected) => {
    expect(payload({ inputPath })).toEqual(expected);
  });

  it.each(['$.missing', '$.resources[5]', '$.detail.a.b.c', '$.source.x'])('selects nothing with %s', (inputPath) => {
    expect(targetPayload({ inputPath }, event)).toBeUndefined();
  });

  it.each(['detail', '$..detail', '$.items[*]', '$.a[-1]', '$.a[0:2]', "$.a[?(@.b)]", '$.'])('refuses %s', (path) => {
    expect(Array.isArray(parseInputPath(path))).toBe(false);
  });
});
