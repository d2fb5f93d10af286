/**
 * The attribute digest against values SQS itself returned for these attributes (recorded
 * by other SQS implementations' suites), so a mistake in the encoding cannot pass.
 */
import { describe, expect, it } from 'vitest';
import { md5Hex, md5OfAttributes } from './sqs-digests.js';

describe('SQS digests', () => {
  it('digests string attributes in name order, whatever order they were given in', () => {
    const attributes = {
      test_attribute_name_2: { dataType: 'String', stringValue: 'test_attribute_value_2' },
      test_attribute_name_1: { dataType: 'String', stringValue: 'test_attribute_value_1' },
    };
    expect(md5OfAttributes(attributes)).toBe('d53f3b558fe951154770f25cb63dbba9');
  });

  it('digests binary attributes with their own transport type', () => {
    expect(md5OfAttributes({ test_attribute_name: { dataType: 'Binary', binaryValue: Buffer.from('test_attribute_value') } })).toBe('23f6bd27ea87aab7dfeadcc9aebee495');
  });

  it('digests Number attributes as strings', () => {
    const attributes = { ordinal: { dataType: 'Number', stringValue: '1' }, category: { dataType: 'String', stringValue: 'test' } };
    expect(md5OfAttributes(attributes)).toBe('d21ae90c49061e927f57df5f5d72be1f');
  });

  it('gives no digest for no attributes, and the body digest of its bytes', () => {
    expect(md5OfAttributes({})).toBeUndefined();
    expect(md5Hex('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
  });
});
