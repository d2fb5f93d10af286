import { describe, expect, it } from 'vitest';
import { ResourceNotFoundException, ValidationException } from '../core/errors.js';
import {
  checkCompatibleArchitectures,
  checkCompatibleRuntimes,
  checkMaxItems,
  parseMaxItems,
  parseLayerName,
  parseLayerVersionArnParam,
  parseVersionNumber,
} from './layer-validation.js';

const p = { region: 'us-east-1', accountId: '000000000000' };

describe('parseLayerName', () => {
  it('takes a plain name or a layer ARN of our own partition', () => {
    expect(parseLayerName('my-layer_1', p)).toBe('my-layer_1');
    expect(parseLayerName('arn:aws:lambda:us-east-1:000000000000:layer:my-layer', p)).toBe('my-layer');
  });

  it('refuses names outside the model pattern and length', () => {
    expect(() => parseLayerName('bad name', p)).toThrow(ValidationException);
    expect(() => parseLayerName('', p)).toThrow(ValidationException);
    expect(() => parseLayerName('x'.repeat(141), p)).toThrow(ValidationException);
    // A versioned ARN is not a LayerName.
    expect(() => parseLayerName('arn:aws:lambda:us-east-1:000000000000:layer:my-layer:1', p)).toThrow(ValidationException);
  });

  it('treats another account or region as a layer that does not exist', () => {
    expect(() => parseLayerName('arn:aws:lambda:us-east-1:111111111111:layer:x', p)).toThrow(ResourceNotFoundException);
    expect(() => parseLayerName('arn:aws:lambda:eu-west-1:000000000000:layer:x', p)).toThrow(ResourceNotFoundException);
  });
});

describe('parseLayerVersionArnParam', () => {
  it('splits a version ARN', () => {
    expect(parseLayerVersionArnParam('arn:aws:lambda:us-east-1:000000000000:layer:lib:12', p)).toEqual({ layerName: 'lib', version: 12 });
  });

  it('refuses an ARN without a version and hides other accounts', () => {
    expect(() => parseLayerVersionArnParam('arn:aws:lambda:us-east-1:000000000000:layer:lib', p)).toThrow(ValidationException);
    expect(() => parseLayerVersionArnParam('arn:aws:lambda:us-east-1:123456789012:layer:lib:1', p)).toThrow(ResourceNotFoundException);
  });
});

describe('request checks', () => {
  it('parses version numbers strictly', () => {
    expect(parseVersionNumber('7')).toBe(7);
    expect(() => parseVersionNumber('7a')).toThrow(ValidationException);
    expect(() => parseVersionNumber('-1')).toThrow(ValidationException);
  });

  it('accepts runtimes of the model, even ones Gust cannot run', () => {
    expect(() => checkCompatibleRuntimes(['nodejs20.x', 'java21', 'python2.7'])).not.toThrow();
    expect(() => checkCompatibleRuntimes(['cobol'])).toThrow(/enum value set/);
  });

  it('accepts the two architectures, at most two', () => {
    expect(() => checkCompatibleArchitectures(['x86_64', 'arm64'])).not.toThrow();
    expect(() => checkCompatibleArchitectures(['sparc'])).toThrow(ValidationException);
    expect(() => checkCompatibleArchitectures(['x86_64', 'arm64', 'x86_64'])).toThrow(ValidationException);
  });

  it('bounds MaxItems to 1..50 with 50 as the default', () => {
    expect(checkMaxItems(undefined)).toBe(50);
    expect(checkMaxItems(3)).toBe(3);
    expect(() => checkMaxItems(0)).toThrow(ValidationException);
    expect(() => checkMaxItems(51)).toThrow(ValidationException);
    expect(() => checkMaxItems(Number.NaN)).toThrow(ValidationException);
    expect(parseMaxItems('7')).toBe(7);
    expect(() => parseMaxItems('abc')).toThrow(/Value 'abc' at 'maxItems'/);
  });
});
