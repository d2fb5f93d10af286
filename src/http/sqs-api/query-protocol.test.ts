/** The query protocol's flattened parameters read into the JSON shape, and results written as SQS's XML. */
import { describe, expect, it } from 'vitest';
import { SqsError } from '../../core/sqs-errors.js';
import { readQueryRequest } from './query-input.js';
import { xmlError, xmlResult } from './xml-output.js';

describe('query input', () => {
  it('reads maps, lists, batch entries with nested attributes, and integers', () => {
    const params = new URLSearchParams([
      ['Action', 'SendMessageBatch'],
      ['Version', '2012-11-05'],
      ['QueueUrl', 'http://h/000000000000/q'],
      ['SendMessageBatchRequestEntry.2.Id', 'b'],
      ['SendMessageBatchRequestEntry.2.MessageBody', 'two'],
      ['SendMessageBatchRequestEntry.1.Id', 'a'],
      ['SendMessageBatchRequestEntry.1.MessageBody', 'one'],
      ['SendMessageBatchRequestEntry.1.DelaySeconds', '5'],
      ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Name', 'k'],
      ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue', 'v'],
      ['SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType', 'String'],
    ]);
    expect(readQueryRequest(params)).toEqual({
      action: 'SendMessageBatch',
      input: {
        QueueUrl: 'http://h/000000000000/q',
        Entries: [
          { Id: 'a', MessageBody: 'one', DelaySeconds: 5, MessageAttributes: { k: { StringValue: 'v', DataType: 'String' } } },
          { Id: 'b', MessageBody: 'two' },
        ],
      },
    });
    const create = readQueryRequest(new URLSearchParams('Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=40&Tag.1.Key=team&Tag.1.Value=x&AttributeName.1=All'));
    expect(create.input).toEqual({ QueueName: 'q', Attributes: { VisibilityTimeout: '40' }, Tags: { team: 'x' }, AttributeNames: ['All'] });
  });

  it('reads an empty list or map, which botocore sends as a bare member name', () => {
    expect(readQueryRequest(new URLSearchParams('Action=SendMessageBatch&Entries=&TagKeys=&Tags=')).input).toEqual({ Entries: [], TagKeys: [], Tags: {} });
  });

  it('refuses a non-integer where SQS takes one', () => {
    expect(() => readQueryRequest(new URLSearchParams('Action=ReceiveMessage&MaxNumberOfMessages=ten'))).toThrow(SqsError);
  });
});

describe('XML output', () => {
  it('flattens lists and maps as SQS does, and escapes text', () => {
    const xml = xmlResult(
      'ReceiveMessage',
      { Messages: [{ MessageId: 'm', Body: 'a<b>&"\r', Attributes: { SenderId: 's' }, MessageAttributes: { k: { StringValue: 'v', DataType: 'String' } } }] },
      'req',
    );
    expect(xml).toBe(
      '<?xml version="1.0"?><ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult><Message><MessageId>m</MessageId>' +
        '<Body>a&lt;b&gt;&amp;&quot;&#xD;</Body><Attribute><Name>SenderId</Name><Value>s</Value></Attribute>' +
        '<MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue><DataType>String</DataType></Value></MessageAttribute></Message>' +
        '</ReceiveMessageResult><ResponseMetadata><RequestId>req</RequestId></ResponseMetadata></ReceiveMessageResponse>',
    );
    expect(xmlResult('SendMessageBatch', { Successful: [{ Id: 'a' }], Failed: [{ Id: 'b', SenderFault: true }] }, 'r')).toContain(
      '<SendMessageBatchResultEntry><Id>a</Id></SendMessageBatchResultEntry><BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault></BatchResultErrorEntry>',
    );
    expect(xmlResult('DeleteQueue', undefined, 'r')).toBe('<?xml version="1.0"?><DeleteQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteQueueResponse>');
    expect(xmlError('Sender', 'AWS.SimpleQueueService.NonExistentQueue', 'gone', 'r')).toContain('<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>gone</Message><Detail/></Error><RequestId>r</RequestId>');
  });
});
