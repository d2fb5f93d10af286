// Sample events in the shapes AWS hands functions (the Lambda developer guide's examples),
// with times set when one is chosen.

const now = () => new Date().toISOString();
const requestId = () => crypto.randomUUID();

export const SAMPLES = {
  'Function URL / API Gateway (HTTP API, payload 2.0)': () => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: '/my/path',
    rawQueryString: 'parameter1=value1',
    headers: { accept: 'application/json', 'content-type': 'application/json', host: 'example.lambda-url.us-east-1.on.aws', 'user-agent': 'gust-console' },
    queryStringParameters: { parameter1: 'value1' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'example',
      domainName: 'example.lambda-url.us-east-1.on.aws',
      domainPrefix: 'example',
      http: { method: 'POST', path: '/my/path', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'gust-console' },
      requestId: requestId(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: '{"hello":"world"}',
    isBase64Encoded: false,
  }),
  'S3 object created': () => ({
    Records: [{
      eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventTime: now(), eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'EXAMPLE' }, requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'EXAMPLE123456789', 'x-amz-id-2': 'EXAMPLE123/abcdefghijklmno' },
      s3: {
        s3SchemaVersion: '1.0', configurationId: 'testConfigRule',
        bucket: { name: 'example-bucket', ownerIdentity: { principalId: 'EXAMPLE' }, arn: 'arn:aws:s3:::example-bucket' },
        object: { key: 'test/key', size: 1024, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A1B2C3D4E5F678901' },
      },
    }],
  }),
  'SQS message': () => ({
    Records: [{
      messageId: requestId(), receiptHandle: 'MessageReceiptHandle', body: 'Hello from SQS!',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: '000000000000', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {}, md5OfBody: '7b270e59b47ff90a553787216d55d91d', eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:example-queue', awsRegion: 'us-east-1',
    }],
  }),
  'EventBridge event': () => ({
    version: '0', id: requestId(), 'detail-type': 'Order placed', source: 'com.example.orders', account: '000000000000',
    time: now().replace(/\.\d+Z$/, 'Z'), region: 'us-east-1', resources: [], detail: { orderId: '1234', amount: 42 },
  }),
  'Scheduled event': () => ({
    version: '0', id: requestId(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000',
    time: now().replace(/\.\d+Z$/, 'Z'), region: 'us-east-1', resources: ['arn:aws:events:us-east-1:000000000000:rule/example-schedule'], detail: {},
  }),
  'Empty object': () => ({}),
};
