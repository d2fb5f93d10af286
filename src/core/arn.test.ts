import { describe, expect, it } from 'vitest';
import { functionArn, parseFunctionName, parseLayerVersionArn, resolveQualifier } from './arn.js';
import { InvalidParameterValueException, ResourceNotFoundException, ValidationException } from './errors.js';

const p = { region: 'us-east-1', accountId: '000000000000' };

describe('parseFunctionName', () => {
  it.each([
    ['hello', { name: 'hello' }],
    ['hello:prod', { name: 'hello', qualifier: 'prod' }],
    ['hello:$LATEST', { name: 'hello', qualifier: '$LATEST' }],
    ['000000000000:function:hello', { name: 'hello' }],
    ['000000000000:function:hello:7', { name: 'hello', qualifier: '7' }],
    ['arn:aws:lambda:us-east-1:000000000000:function:hello', { name: 'hello' }],
    ['arn:aws:lambda:us-east-1:000000000000:function:hello:live', { name: 'hello', qualifier: 'live' }],
  ])('reads %s', (input, expected) => {
    expect(parseFunctionName(input, p)).toEqual(expected);
  });

  it('refuses names that do not match the AWS pattern', () => {
    expect(() => parseFunctionName('has space', p)).toThrow(ValidationException);
    expect(() => parseFunctionName('', p)).toThrow(ValidationException);
    expect(() => parseFunctionName('a'.repeat(65), p)).toThrow(ValidationException);
  });

  it('refuses other regions and accounts', () => {
    expect(() => parseFunctionName('arn:aws:lambda:eu-west-1:000000000000:function:hello', p)).toThrow(ResourceNotFoundException);
    expect(() => parseFunctionName('arn:aws:lambda:us-east-1:123456789012:function:hello', p)).toThrow(InvalidParameterValueException);
  });
});

describe('resolveQualifier', () => {
  it('takes the suffix or the parameter', () => {
    expect(resolveQualifier({ name: 'f', qualifier: '1' }, undefined)).toBe('1');
    expect(resolveQualifier({ name: 'f' }, 'live')).toBe('live');
    expect(resolveQualifier({ name: 'f', qualifier: '1' }, '1')).toBe('1');
    expect(resolveQualifier({ name: 'f' }, undefined)).toBeUndefined();
  });

  it('refuses a suffix that differs from the parameter', () => {
    expect(() => resolveQualifier({ name: 'f', qualifier: '1' }, '2')).toThrow(InvalidParameterValueException);
  });

  it('refuses a malformed qualifier', () => {
    expect(() => resolveQualifier({ name: 'f' }, 'a b')).toThrow(ValidationException);
  });
});

describe('ARNs', () => {
  it('builds function ARNs', () => {
    expect(functionArn(p, 'f')).toBe('arn:aws:lambda:us-east-1:000000000000:function:f');
    expect(functionArn(p, 'f', '3')).toBe('arn:aws:lambda:us-east-1:000000000000:function:f:3');
  });

  it('parses layer version ARNs', () => {
    expect(parseLayerVersionArn('arn:aws:lambda:us-east-1:000000000000:layer:deps:4')).toEqual({ region: 'us-east-1', accountId: '000000000000', layerName: 'deps', version: 4 });
    expect(parseLayerVersionArn('arn:aws:lambda:us-east-1:000000000000:layer:deps')).toBeUndefined();
  });
});
