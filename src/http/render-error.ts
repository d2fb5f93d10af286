/**
 * The one place where errors become HTTP answers in AWS's shape: the status, an
 * `x-amzn-ErrorType` header and a JSON body `{"Type": "User"|"Service", "Message": …}`
 * plus any modelled fields. Errors that are not in the catalog become a 500
 * ServiceException; their cause is logged, never sent. A write that found the data disk
 * full becomes a 500 ServiceException that says so.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  dataDiskFull,
  lambdaAuthError,
  InvalidRequestContentException,
  isDiskFull,
  LambdaError,
  RequestTooLargeException,
  ServiceException,
  UnsupportedMediaTypeException,
  ValidationException,
} from '../core/errors.js';

import { AuthFailure } from '../core/auth-failure.js';
import { bodyTooLarge } from './body-limits.js';

/** Maps Fastify's own request errors (body parsing, limits) to catalog errors. */
function fromFastify(err: FastifyError, request: FastifyRequest | undefined): LambdaError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return request ? bodyTooLarge(request) : new RequestTooLargeException('Request must be smaller than the operation allows');
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

/** The catalog error for `err`, or undefined for a fault of Gust's; `request` names the operation in a 413. */
export function toLambdaError(err: unknown, request?: FastifyRequest): LambdaError | undefined {
  if (err instanceof LambdaError) return err;
  if (err instanceof AuthFailure) return lambdaAuthError(err);
  // A full data disk is a known condition with its own answer, not a fault to log per request.
  if (isDiskFull(err)) return dataDiskFull();
  if (err && typeof err === 'object' && 'code' in err) return fromFastify(err as FastifyError, request);
  return undefined;
}

/** The answer for a catalog error: its status, its AWS type in `x-amzn-ErrorType`, and the JSON body. */
export function errorAnswer(error: LambdaError): { status: number; headers: Record<string, string>; body: string } {
  const body: Record<string, unknown> = { Type: error.faultType, Message: error.message, ...error.fields };
  return { status: error.status, headers: { 'x-amzn-ErrorType': error.awsType, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

export function sendError(reply: FastifyReply, error: LambdaError): FastifyReply {
  const answer = errorAnswer(error);
  return reply.status(answer.status).headers(answer.headers).send(answer.body);
}

/** Fastify error handler: catalog errors as they are, anything else as a logged 500. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toLambdaError(err, request);
  if (known) return sendError(reply, known);
  request.log.error({ err }, 'unexpected error');
  return sendError(reply, new ServiceException(`An internal error occurred (request ${request.id}).`));
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers over
 * `maxHeaderSize`, malformed framing, a request too slow to arrive); they get AWS's shape
 * too, written on the socket, which is then closed.
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, error] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', new RequestTooLargeException('Request header fields too large: the headers must be smaller than 16384 bytes.')]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', new InvalidRequestContentException('The request did not arrive in time.')]
        : [400, 'Bad Request', new InvalidRequestContentException('The request is not valid HTTP.')];
  const body = JSON.stringify({ Type: error.faultType, Message: error.message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nx-amzn-ErrorType: ${error.awsType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
