/**
 * The EventBridge API plugin of the HTTP edge, on the Lambda API's port, so that
 * `@aws-sdk/client-eventbridge` and `aws events … --endpoint-url` reach it. It speaks
 * awsJson1_1: every operation is `POST /` with `X-Amz-Target: AWSEvents.<Operation>` and a
 * JSON body (the Lambda REST API never uses `POST /`). Errors answer status 400 (500 for
 * Gust's own faults) with `{"__type": "<Type>", "message": "…"}` and `x-amzn-ErrorType`,
 * which is how the SDK's JSON protocols read them; they never pass through the Lambda
 * API's REST-JSON renderer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LambdaError, ServiceException, UnknownOperationException } from '../../core/errors.js';
import { toLambdaError } from '../render-error.js';
import type { HttpPlugin } from '../server.js';
import type { EventsBackend, Operation } from './backend.js';
import { EVENT_OPERATIONS } from './events.js';
import { SerializationException } from './fields.js';
import { RULE_OPERATIONS } from './rules.js';
import { registerSchedulesRoute } from './schedules-route.js';
import { TARGET_OPERATIONS } from './targets.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSEvents.';

/** The route table: operation name → handler. */
export const EVENTS_OPERATIONS: Readonly<Record<string, Operation>> = {
  ...RULE_OPERATIONS,
  ...TARGET_OPERATIONS,
  ...EVENT_OPERATIONS,
};

function sendAwsJsonError(reply: FastifyReply, error: LambdaError): FastifyReply {
  return reply
    .status(error.faultType === 'Service' ? 500 : 400)
    .header('x-amzn-ErrorType', error.awsType)
    .header('content-type', CONTENT_TYPE)
    .send(JSON.stringify({ __type: error.awsType, message: error.message }));
}

function parseBody(raw: unknown): Record<string, unknown> {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SerializationException('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SerializationException('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

async function handle(backend: EventsBackend, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const target = request.headers['x-amz-target'];
    const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation = name !== undefined && Object.hasOwn(EVENTS_OPERATIONS, name) ? EVENTS_OPERATIONS[name] : undefined;
    if (!operation) {
      throw new UnknownOperationException(target === undefined ? 'Missing X-Amz-Target header.' : `Operation ${String(target)} is not supported.`);
    }
    const answer = await operation(backend, parseBody(request.body));
    return reply.status(200).header('content-type', CONTENT_TYPE).send(JSON.stringify(answer));
  } catch (err) {
    const known = toLambdaError(err, request);
    if (known) return sendAwsJsonError(reply, known);
    request.log.error({ err }, 'unexpected error in the events API');
    return sendAwsJsonError(reply, new ServiceException(`An internal error occurred (request ${request.id}).`));
  }
}

/** `POST /` on the edge's port, and Gust's `GET /gust/schedules`. */
export function eventsApi(backendOf: (request: FastifyRequest) => EventsBackend): HttpPlugin {
  return {
    register(app) {
      // Errors raised before the route runs (a refused signature) answer in awsJson1_1 too.
      app.setErrorHandler((err, request, reply) => {
        const known = toLambdaError(err, request);
        if (known) return sendAwsJsonError(reply, known);
        request.log.error({ err }, 'unexpected error in the events API');
        return sendAwsJsonError(reply, new ServiceException(`An internal error occurred (request ${request.id}).`));
      });
      app.post('/', (request, reply) => handle(backendOf(request), request, reply));
      registerSchedulesRoute(app, backendOf);
    },
  };
}
