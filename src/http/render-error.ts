/**
 * The one place where errors become HTTP answers in AWS's shape: the status, an
 * `x-amzn-ErrorType` header and a JSON body `{"Type": "User"|"Service", "Message": …}`
 * plus any modelled fields. Errors that are not in the catalog become a 500
 * ServiceException; their cause is logged, never sent. A write that found the data disk
 * full becomes a 500 ServiceException that says so.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  dataDiskFull,
  InvalidRequestContentException,
  isDiskFull,
  LambdaError,
  RequestTooLargeException,
  ServiceException,
  UnsupportedMediaTypeException,
  ValidationException,
} from '../core/errors.js';

/** Maps Fastify's own request errors (body parsing, limits) to catalog errors. */
function fromFastify(err: FastifyError): LambdaError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestTooLargeException('Request must be smaller than 69905067 bytes for the operation');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeException('The content type is not supported.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequestContentException('Could not parse request body into json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidRequestContentException('Content-Length does not match the body.');
    default:
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return new ValidationException(err.message);
      }
      return undefined;
  }
}

export function toLambdaError(err: unknown): LambdaError | undefined {
  if (err instanceof LambdaError) return err;
  // A full data disk is a known condition with its own answer, not a fault to log per request.
  if (isDiskFull(err)) return dataDiskFull();
  if (err && typeof err === 'object' && 'code' in err) return fromFastify(err as FastifyError);
  return undefined;
}

export function sendError(reply: FastifyReply, error: LambdaError): FastifyReply {
  const body: Record<string, unknown> = { Type: error.faultType, Message: error.message, ...error.fields };
  return reply
    .status(error.status)
    .header('x-amzn-ErrorType', error.awsType)
    .header('content-type', 'application/json')
    .send(JSON.stringify(body));
}

/** Fastify error handler: catalog errors as they are, anything else as a logged 500. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toLambdaError(err);
  if (known) return sendError(reply, known);
  request.log.error({ err }, 'unexpected error');
  return sendError(reply, new ServiceException(`An internal error occurred (request ${request.id}).`));
}
