import { describe, expect, it } from 'vitest';
import { InvalidEventPatternException } from './errors.js';
import { compilePattern } from './pattern.js';

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 0.5,
    price: 300.18,
    negative: -3,
    flag: true,
    nothing: null,
    empty: '',
    'source-ip': '10.0.0.123',
    'source-ip6': '2001:db8::1',
    filename: 'image.PNG',
    tags: ['blue', 'green'],
    sizes: [1, 20, 300],
    nested: { deeper: { value: 'x' } },
    items: [
      { name: 'a', qty: 1 },
      { name: 'b', qty: 2 },
    ],
    matrix: [['p', 'q'], ['r']],
    emptyList: [],
  },
};

const matches = (pattern: unknown, e: unknown = event): boolean => compilePattern(JSON.stringify(pattern)).matches(e);
const detail = (fields: Record<string, unknown>): boolean => matches({ detail: fields });

describe('event patterns: exact values', () => {
  it('matches top-level fields against arrays of allowed values', () => {
    expect(matches({ source: ['aws.ec2'] })).toBe(true);
    expect(matches({ source: ['aws.s3', 'aws.ec2'] })).toBe(true);
    expect(matches({ source: ['aws.s3'] })).toBe(false);
    expect(matches({ source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] })).toBe(true);
    expect(matches({ source: ['aws.ec2'], 'detail-type': ['other'] })).toBe(false);
  });

  it('is case-sensitive and type-strict', () => {
    expect(matches({ source: ['AWS.EC2'] })).toBe(false);
    expect(detail({ 'c-count': [5] })).toBe(true);
    expect(detail({ 'c-count': [5.0] })).toBe(true);
    expect(detail({ 'c-count': ['5'] })).toBe(false);
    expect(detail({ flag: [true] })).toBe(true);
    expect(detail({ flag: ['true'] })).toBe(false);
    expect(detail({ nothing: [null] })).toBe(true);
    expect(detail({ state: [null] })).toBe(false);
    expect(detail({ empty: [''] })).toBe(true);
    expect(detail({ state: [''] })).toBe(false);
  });

  it('matches nested fields and fails on missing ones', () => {
    expect(detail({ nested: { deeper: { value: ['x'] } } })).toBe(true);
    expect(detail({ nested: { deeper: { value: ['y'] } } })).toBe(false);
    expect(detail({ nested: { missing: ['x'] } })).toBe(false);
    expect(matches({ nodetail: { a: ['x'] } })).toBe(false);
    // A field holding an object is not a value.
    expect(detail({ nested: ['x'] })).toBe(false);
  });

  it('matches an event array if any element matches', () => {
    expect(detail({ tags: ['green'] })).toBe(true);
    expect(detail({ tags: ['red', 'blue'] })).toBe(true);
    expect(detail({ tags: ['red'] })).toBe(false);
    expect(matches({ resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] })).toBe(true);
    expect(detail({ matrix: ['r'] })).toBe(true);
    expect(detail({ emptyList: ['x'] })).toBe(false);
  });

  it('keeps the fields of one level within the same array element', () => {
    expect(detail({ items: { name: ['a'], qty: [1] } })).toBe(true);
    expect(detail({ items: { name: ['b'], qty: [2] } })).toBe(true);
    expect(detail({ items: { name: ['a'], qty: [2] } })).toBe(false);
  });
});

describe('event patterns: string operators', () => {
  it('prefix', () => {
    expect(matches({ time: [{ prefix: '2017-12-22' }] })).toBe(true);
    expect(matches({ time: [{ prefix: '2018' }] })).toBe(false);
    expect(detail({ 'c-count': [{ prefix: '5' }] })).toBe(false);
    expect(detail({ state: [{ prefix: { 'equals-ignore-case': 'TERM' } }] })).toBe(true);
    expect(detail({ state: [{ prefix: { 'equals-ignore-case': 'run' } }] })).toBe(false);
  });

  it('suffix', () => {
    expect(detail({ filename: [{ suffix: '.PNG' }] })).toBe(true);
    expect(detail({ filename: [{ suffix: '.png' }] })).toBe(false);
    expect(detail({ filename: [{ suffix: { 'equals-ignore-case': '.png' } }] })).toBe(true);
    expect(detail({ tags: [{ suffix: 'een' }] })).toBe(true);
  });

  it('equals-ignore-case', () => {
    expect(detail({ state: [{ 'equals-ignore-case': 'TERMINATED' }] })).toBe(true);
    expect(detail({ state: [{ 'equals-ignore-case': 'running' }] })).toBe(false);
    expect(detail({ flag: [{ 'equals-ignore-case': 'true' }] })).toBe(false);
  });

  it('wildcard', () => {
    expect(detail({ filename: [{ wildcard: 'image.*' }] })).toBe(true);
    expect(detail({ filename: [{ wildcard: '*.PNG' }] })).toBe(true);
    expect(detail({ filename: [{ wildcard: 'im*e.PNG' }] })).toBe(true);
    expect(detail({ filename: [{ wildcard: '*.png' }] })).toBe(false);
    expect(detail({ filename: [{ wildcard: 'image.PNG*' }] })).toBe(true);
    expect(matches({ detail: { x: [{ wildcard: 'a\\*b' }] } }, { detail: { x: 'a*b' } })).toBe(true);
    expect(matches({ detail: { x: [{ wildcard: 'a\\*b' }] } }, { detail: { x: 'axb' } })).toBe(false);
  });
});

describe('event patterns: anything-but', () => {
  it('a single value or a list of strings', () => {
    expect(detail({ state: [{ 'anything-but': 'running' }] })).toBe(true);
    expect(detail({ state: [{ 'anything-but': 'terminated' }] })).toBe(false);
    expect(detail({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] })).toBe(true);
    expect(detail({ state: [{ 'anything-but': ['stopped', 'terminated'] }] })).toBe(false);
  });

  it('numbers', () => {
    expect(detail({ 'c-count': [{ 'anything-but': 5 }] })).toBe(false);
    expect(detail({ 'c-count': [{ 'anything-but': [1, 2] }] })).toBe(true);
    expect(detail({ 'c-count': [{ 'anything-but': [5, 6] }] })).toBe(false);
  });

  it('needs the field to be there', () => {
    expect(detail({ missing: [{ 'anything-but': 'x' }] })).toBe(false);
  });

  it('matches an array if any element is not excluded', () => {
    expect(detail({ tags: [{ 'anything-but': 'blue' }] })).toBe(true);
    expect(detail({ tags: [{ 'anything-but': ['blue', 'green'] }] })).toBe(false);
  });

  it('prefix, suffix, equals-ignore-case and wildcard', () => {
    expect(matches({ region: [{ 'anything-but': { prefix: 'us-' } }] })).toBe(false);
    expect(matches({ region: [{ 'anything-but': { prefix: 'eu-' } }] })).toBe(true);
    expect(detail({ filename: [{ 'anything-but': { suffix: '.PNG' } }] })).toBe(false);
    expect(detail({ filename: [{ 'anything-but': { suffix: '.jpg' } }] })).toBe(true);
    expect(detail({ state: [{ 'anything-but': { 'equals-ignore-case': 'TERMINATED' } }] })).toBe(false);
    expect(detail({ state: [{ 'anything-but': { 'equals-ignore-case': ['RUNNING', 'Stopped'] } }] })).toBe(true);
    expect(detail({ filename: [{ 'anything-but': { wildcard: '*.PNG' } }] })).toBe(false);
    expect(detail({ filename: [{ 'anything-but': { wildcard: '*.gif' } }] })).toBe(true);
  });
});

describe('event patterns: numeric', () => {
  it.each([
    [['>', 0], true],
    [['>', 5], false],
    [['>=', 5], true],
    [['<', 5], false],
    [['<=', 5], true],
    [['=', 5], true],
    [['=', 5.0], true],
    [['=', 4], false],
    [['>', 0, '<=', 5], true],
    [['>', 0, '<', 5], false],
    [['>=', 5, '<', 6], true],
    [['>', 5, '<', 6], false],
    [['>', -10, '<', 10], true],
  ])('c-count = 5 against %j → %s', (range, expected) => {
    expect(detail({ 'c-count': [{ numeric: range }] })).toBe(expected);
  });

  it('handles decimals, negatives and arrays, and never strings', () => {
    expect(detail({ price: [{ numeric: ['>', 300.1, '<', 300.2] }] })).toBe(true);
    expect(detail({ 'd-count': [{ numeric: ['<', 1] }] })).toBe(true);
    expect(detail({ negative: [{ numeric: ['<', 0] }] })).toBe(true);
    expect(detail({ sizes: [{ numeric: ['>', 250] }] })).toBe(true);
    expect(detail({ sizes: [{ numeric: ['>', 500] }] })).toBe(false);
    expect(detail({ state: [{ numeric: ['>', 0] }] })).toBe(false);
    expect(matches({ detail: { n: [{ numeric: ['>', 0] }] } }, { detail: { n: '5' } })).toBe(false);
  });
});

describe('event patterns: exists', () => {
  it('true needs a leaf value; false needs none', () => {
    expect(detail({ state: [{ exists: true }] })).toBe(true);
    expect(detail({ state: [{ exists: false }] })).toBe(false);
    expect(detail({ missing: [{ exists: true }] })).toBe(false);
    expect(detail({ missing: [{ exists: false }] })).toBe(true);
    expect(detail({ nothing: [{ exists: true }] })).toBe(true);
    expect(detail({ tags: [{ exists: true }] })).toBe(true);
    expect(detail({ emptyList: [{ exists: false }] })).toBe(true);
  });

  it('looks at leaves only: an object field does not exist', () => {
    expect(detail({ nested: [{ exists: true }] })).toBe(false);
    expect(detail({ nested: [{ exists: false }] })).toBe(true);
  });

  it('works under a level the event does not have', () => {
    expect(matches({ detail: { missing: { deeper: [{ exists: false }] } } })).toBe(true);
    expect(matches({ nodetail: { deeper: [{ exists: false }] } })).toBe(true);
    expect(matches({ nodetail: { deeper: [{ exists: true }] } })).toBe(false);
  });
});

describe('event patterns: cidr', () => {
  it('matches IPv4 and IPv6 addresses inside the block', () => {
    expect(detail({ 'source-ip': [{ cidr: '10.0.0.0/24' }] })).toBe(true);
    expect(detail({ 'source-ip': [{ cidr: '10.0.1.0/24' }] })).toBe(false);
    expect(detail({ 'source-ip': [{ cidr: '10.0.0.123/32' }] })).toBe(true);
    expect(detail({ 'source-ip6': [{ cidr: '2001:db8::/32' }] })).toBe(true);
    expect(detail({ 'source-ip6': [{ cidr: '2001:db9::/32' }] })).toBe(false);
    expect(detail({ state: [{ cidr: '10.0.0.0/8' }] })).toBe(false);
    expect(detail({ 'c-count': [{ cidr: '10.0.0.0/8' }] })).toBe(false);
  });
});

describe('event patterns: several conditions and $or', () => {
  it('a field matches if any of its conditions does', () => {
    expect(detail({ state: ['running', { prefix: 'term' }] })).toBe(true);
    expect(detail({ state: ['running', { prefix: 'stop' }] })).toBe(false);
    expect(detail({ missing: ['x', { exists: false }] })).toBe(true);
  });

  it('$or matches if one branch does, together with its siblings', () => {
    const pattern = { source: ['aws.ec2'], $or: [{ detail: { state: ['running'] } }, { detail: { 'c-count': [{ numeric: ['>', 3] }] } }] };
    expect(matches(pattern)).toBe(true);
    expect(matches({ ...pattern, source: ['aws.s3'] })).toBe(false);
    expect(matches({ $or: [{ source: ['x'] }, { region: ['y'] }] })).toBe(false);
    expect(detail({ $or: [{ state: ['running'] }, { state: ['terminated'] }, { flag: [false] }] })).toBe(true);
  });

  it('matches an event that is not an object only through absence', () => {
    expect(matches({ source: ['x'] }, 'text')).toBe(false);
    expect(matches({ source: [{ exists: false }] }, null)).toBe(true);
  });
});

describe('event patterns: what AWS refuses', () => {
  const reasons: [string, string][] = [
    ['not json', 'Filter is not valid JSON'],
    ['[]', 'Filter is not an object'],
    ['"source"', 'Filter is not an object'],
    ['{}', 'Empty objects are not allowed'],
    ['{"detail": {}}', 'Empty objects are not allowed'],
    ['{"source": "aws.ec2"}', '"source" must be an object or an array'],
    ['{"source": 5}', '"source" must be an object or an array'],
    ['{"source": null}', '"source" must be an object or an array'],
    ['{"source": []}', 'Empty arrays are not allowed'],
    ['{"source": [["a"]]}', 'Match value must be String, number, true, false, or null'],
    ['{"source": [{}]}', 'Match expression name not found'],
    ['{"source": [{"prefix": "a", "suffix": "b"}]}', 'Only one key allowed in match expression'],
    ['{"source": [{"bogus": "a"}]}', 'Unrecognized match type bogus'],
    ['{"source": [{"prefix": 5}]}', 'prefix match pattern must be a string'],
    ['{"source": [{"prefix": {"bogus": "a"}}]}', 'Unsupported prefix pattern: bogus'],
    ['{"source": [{"suffix": ["a"]}]}', 'suffix match pattern must be a string'],
    ['{"source": [{"equals-ignore-case": 5}]}', 'equals-ignore-case match pattern must be a string'],
    ['{"source": [{"exists": "yes"}]}', 'exists match pattern must be either true or false.'],
    ['{"source": [{"anything-but": true}]}', 'Value of anything-but must be an array or single string/number value.'],
    ['{"source": [{"anything-but": null}]}', 'Value of anything-but must be an array or single string/number value.'],
    ['{"source": [{"anything-but": ["a", 1]}]}', 'Inside anything but list, either all values are number or string, mixed type is not supported'],
    ['{"source": [{"anything-but": []}]}', 'Inside anything but list, either all values are number or string, mixed type is not supported'],
    ['{"source": [{"anything-but": ["a", null]}]}', 'Inside anything but list, start|null|boolean is not supported.'],
    ['{"source": [{"anything-but": {"bogus": "a"}}]}', 'Unsupported anything-but pattern: bogus'],
    ['{"source": [{"anything-but": {"prefix": ""}}]}', 'Null prefix/suffix not allowed'],
    ['{"source": [{"anything-but": {"prefix": 5}}]}', 'prefix/suffix match pattern must be a string'],
    ['{"source": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}', 'Only one key allowed in match expression'],
    ['{"source": [{"anything-but": {"equals-ignore-case": [1]}}]}', 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'],
    ['{"n": [{"numeric": 5}]}', 'Value of numeric must be an array.'],
    ['{"n": [{"numeric": []}]}', 'Invalid member in numeric match: ]'],
    ['{"n": [{"numeric": [5]}]}', 'Invalid member in numeric match: 5'],
    ['{"n": [{"numeric": ["!=", 5]}]}', 'Unrecognized numeric range operator: !='],
    ['{"n": [{"numeric": [">", "5"]}]}', 'Value of > must be numeric'],
    ['{"n": [{"numeric": ["=", "5"]}]}', 'Value of equals must be numeric'],
    ['{"n": [{"numeric": ["=", 5, "<", 6]}]}', 'Too many elements in numeric expression'],
    ['{"n": [{"numeric": ["<", 5, ">", 1]}]}', 'Too many elements in numeric expression'],
    ['{"n": [{"numeric": [">", 5, ">", 6]}]}', 'Bad numeric range operator: >'],
    ['{"n": [{"numeric": [">", 5, 6]}]}', 'Bad value in numeric range: 6'],
    ['{"n": [{"numeric": [">", 5, "<", "6"]}]}', 'Value of < must be numeric'],
    ['{"n": [{"numeric": [">", 5, "<", 5]}]}', 'Bottom must be less than top'],
    ['{"n": [{"numeric": [">", 5, "<", 9, "<", 10]}]}', 'Too many terms in numeric range expression'],
    ['{"ip": [{"cidr": 5}]}', 'prefix match pattern must be a string'],
    ['{"ip": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"],
    ['{"ip": [{"cidr": "10.0.0.0/x"}]}', 'Malformed CIDR, mask bits must be an integer'],
    ['{"ip": [{"cidr": "10.0.0.300/24"}]}', 'Nonstandard IP address: 10.0.0.300'],
    ['{"ip": [{"cidr": "10.0.0.0/33"}]}', 'Nonstandard IP address: 10.0.0.0'],
    ['{"f": [{"wildcard": "a**b"}]}', 'Consecutive wildcard characters at pos 2'],
    ['{"f": [{"wildcard": 5}]}', 'wildcard match pattern must be a string'],
    ['{"$or": {"a": ["b"]}}', 'It must be an Array followed with $or.'],
    ['{"$or": [{"a": ["b"]}]}', 'There must have at least 2 Objects in $or relationship.'],
    ['{"$or": [{"a": ["b"]}, "c"]}', 'Only JSON object is allowed in array of $or relationship.'],
  ];

  it.each(reasons)('refuses %s', (pattern, reason) => {
    let caught: unknown;
    try {
      compilePattern(pattern);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidEventPatternException);
    expect((caught as Error).message).toBe(`Event pattern is not valid. Reason: ${reason}`);
    expect((caught as InvalidEventPatternException).awsType).toBe('InvalidEventPatternException');
  });
});
