/**
 * The SQS API on Gust's port, in both wire protocols SQS clients speak:
 * - JSON (current SDKs): `POST /` with `X-Amz-Target: AmazonSQS.<Operation>` and
 *   `application/x-amz-json-1.0`; errors as `{"__type": "com.amazonaws.sqs#<Shape>",
 *   "message"}` with `x-amzn-query-error: <code>;Sender`, which the SDKs read first.
 * - Query (older clients: aws CLI v2 before the JSON switch, boto3 1.26): `Action=<Op>` in
 *   a form body (or a query string), answered in XML in SQS's namespace; errors as
 *   `<ErrorResponse><Error><Type>Sender</Type><Code>…`.
 * Queue URLs are SQS's own shape on Gust's port, `http://<host>:<port>/<account>/<queue>`
 * (the host as the client named it: `127.0.0.1`, or `sqs.<region>.localhost`), and a
 * request may also be sent to the queue URL itself. `POST /` is shared with the EventBridge
 * API: a route constraint (`sqsRequest`) sends a request here when its target is
 * AmazonSQS, its body a form, its query an Action, or its host `sqs.*`.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Partition } from '../../core/arn.js';
import {
  InvalidAddress,
  InvalidParameterValue,
  MissingParameter,
  RequestEntityTooLarge,
  QueueDoesNotExist,
  SqsError,
  SqsInternalFailure,
  SqsServiceUnavailable,
  SqsUnknownOperation,
  sqsAuthError,
} from '../../core/sqs-errors.js';
import { AuthFailure } from '../../core/auth-failure.js';
import { ServiceUnavailable } from '../../core/errors.js';
import type { QueueService } from '../../control/sqs/queue-service.js';
import type { HttpPlugin } from '../server.js';
import { registerGustQueueRoutes } from './gust-routes.js';
import { Members } from './members.js';
import { SQS_OPERATIONS, type SqsOperationContext, type SqsQueues } from './operations.js';
import { readQueryRequest } from './query-input.js';
import { xmlError, xmlResult } from './xml-output.js';

/** A mapping's pollers as `GET /gust/mappings` shows them (triggers/sqs's MappingRunner reports them). */
export interface PollerView {
  uuid: string;
  functionArn: string;
  eventSourceArn: string;
  state: string;
  pollers: number;
  batchesInFlight: number;
  history: number[];
}

/** What the SQS plugin needs of the account a request acts in: its queues, the account and region in their ARNs and URLs, and its pollers' report. */
export interface SqsApiContext {
  partition: Partition;
  queues: SqsQueues & Pick<QueueService, 'report' | 'hosting'>;
  pollers: { report(): PollerView[] };
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AmazonSQS.';
/** A batch's 256 KiB, escaped into JSON or a form, with room to spare. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Whether a request to `/` is meant for SQS rather than the EventBridge API. */
function isSqsRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.startsWith(TARGET_PREFIX);
  if (/^sqs\./i.test(req.headers.host ?? '')) return true;
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return true;
  return /[?&]Action=/.test(req.url ?? '');
}

type RouteHandler = Parameters<FastifyInstance['addConstraintStrategy']>[0] extends { storage(): { get(v: string): infer H } } ? Exclude<H, null> : never;

const sqsRequestConstraint = {
  name: 'sqsRequest',
  storage() {
    const handlers = new Map<string, RouteHandler>();
    return { get: (k: string) => handlers.get(k) ?? null, set: (k: string, v: RouteHandler) => void handlers.set(k, v) };
  },
  // Undefined (not an SQS request) leaves only the routes without this constraint.
  deriveConstraint: (req: IncomingMessage) => (isSqsRequest(req) ? 'yes' : (undefined as unknown as string)),
  mustMatchWhenDerived: false,
};

type Protocol = 'json' | 'query';

function toSqsError(err: unknown): SqsError | undefined {
  if (err instanceof SqsError) return err;
  if (err instanceof AuthFailure) return sqsAuthError(err);
  if (err instanceof ServiceUnavailable) return new SqsServiceUnavailable(err.message);
  const code = (err as FastifyError | undefined)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new RequestEntityTooLarge(MAX_BODY_BYTES);
  return undefined;
}

function sendError(reply: FastifyReply, protocol: Protocol, error: SqsError): FastifyReply {
  const type = error.faultType === 'User' ? 'Sender' : 'Receiver';
  reply.status(error.status).header('x-amzn-ErrorType', error.awsType);
  if (protocol === 'json') {
    return reply
      .header('x-amzn-query-error', `${error.queryCode};${type}`)
      .header('content-type', JSON_CONTENT_TYPE)
      .send(JSON.stringify({ __type: `com.amazonaws.sqs#${error.awsType}`, message: error.message }));
  }
  return reply.header('content-type', 'text/xml').send(xmlError(type, error.queryCode, error.queryMessage, String(reply.request.id)));
}

function protocolOf(request: FastifyRequest): Protocol {
  return typeof request.headers['x-amz-target'] === 'string' ? 'json' : 'query';
}

function readJson(request: FastifyRequest): { name: string; input: Record<string, unknown> } {
  const name = String(request.headers['x-amz-target']).slice(TARGET_PREFIX.length);
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (raw.length === 0) return { name, input: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InvalidParameterValue('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidParameterValue('The request body must be a JSON object.');
  return { name, input: parsed as Record<string, unknown> };
}

function readQuery(request: FastifyRequest): { name: string | undefined; input: Record<string, unknown> } {
  const params = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
  if (Buffer.isBuffer(request.body) && request.body.length > 0) for (const [k, v] of new URLSearchParams(request.body.toString('utf8'))) params.append(k, v);
  const { action, input } = readQueryRequest(params);
  return { name: action, input };
}

/** The queue a QueueUrl names (any host: the path is what counts), or the request's own path. */
function queueNameOf(input: Members, request: FastifyRequest, partition: Partition): string {
  const url = input.string('QueueUrl');
  const params = request.params as { account?: string; queue?: string };
  let account = params.account;
  let name = params.queue;
  if (url !== undefined) {
    let path: string;
    try {
      path = url.startsWith('/') ? url : new URL(url).pathname;
    } catch {
      throw new InvalidAddress(url);
    }
    const m = /^\/([0-9]{12})\/([^/]+)\/?$/.exec(path);
    if (!m) throw new InvalidAddress(url);
    account = m[1];
    name = decodeURIComponent(m[2]!);
  }
  if (name === undefined) throw new MissingParameter('QueueUrl');
  if (account !== partition.accountId) throw new QueueDoesNotExist();
  return name;
}

async function handle(ctx: SqsApiContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const protocol = protocolOf(request);
  try {
    const { name, input } = protocol === 'json' ? readJson(request) : readQuery(request);
    const operation = name !== undefined && Object.hasOwn(SQS_OPERATIONS, name) ? SQS_OPERATIONS[name] : undefined;
    if (!operation) {
      throw new SqsUnknownOperation(name === undefined ? 'The request must contain an Action.' : `The action ${name} is not valid for this endpoint.`);
    }
    // A cluster node that does not keep the queues answers none of their requests: it hands
    // them over (http/hand-over.ts), or, while no node keeps them, asks for a retry.
    if (!ctx.queues.hosting) throw new SqsServiceUnavailable();
    let controller: AbortController | undefined;
    const host = request.headers.host ?? `localhost`;
    const opCtx: SqsOperationContext = {
      queues: ctx.queues,
      partition: ctx.partition,
      queueUrl: (queue) => `http://${host}/${ctx.partition.accountId}/${queue}`,
      queueName: (m) => queueNameOf(m, request, ctx.partition),
      // Only long polls listen for the client leaving.
      get signal() {
        if (!controller) {
          const c = (controller = new AbortController());
          reply.raw.once('close', () => {
            if (!reply.raw.writableFinished) c.abort();
          });
        }
        return controller.signal;
      },
    };
    const result = await operation(opCtx, new Members(input));
    if (protocol === 'json') return reply.status(200).header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(result ?? {}));
    return reply.status(200).header('content-type', 'text/xml').send(xmlResult(name!, result, String(request.id)));
  } catch (err) {
    const known = toSqsError(err);
    if (known) return sendError(reply, protocol, known);
    request.log.error({ err }, 'unexpected error in the SQS API');
    return sendError(reply, protocol, new SqsInternalFailure(`An internal error occurred (request ${request.id}).`));
  }
}

/** The SQS API plugin of the edge: `/` (by the route constraint), queue URLs, and `/gust/queues` and `/gust/mappings`. */
export function sqsApi(contextOf: (request: FastifyRequest) => SqsApiContext): HttpPlugin {
  return {
    register(app) {
      app.addConstraintStrategy(sqsRequestConstraint);
      // Errors raised before a handler runs (a body over the limit) answer in the request's protocol.
      app.setErrorHandler((err, request, reply) => {
        const known = toSqsError(err);
        if (known) return sendError(reply, protocolOf(request), known);
        request.log.error({ err }, 'unexpected error in the SQS API');
        return sendError(reply, protocolOf(request), new SqsInternalFailure(`An internal error occurred (request ${request.id}).`));
      });
      // SendMessage and ReceiveMessage are a hot path like Invoke: logged at debug.
      const options = { bodyLimit: MAX_BODY_BYTES, config: { hotPath: true, keeper: true } };
      const handler = (request: FastifyRequest, reply: FastifyReply) => handle(contextOf(request), request, reply);
      for (const method of ['GET', 'POST'] as const) {
        app.route({ method, url: '/', constraints: { sqsRequest: 'yes' }, ...options, handler });
        app.route({ method, url: '/:account(^[0-9]{12}$)/:queue', ...options, handler });
      }
      registerGustQueueRoutes(app, contextOf);
    },
  };
}
