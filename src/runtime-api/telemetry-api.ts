/**
 * The Logs API (`PUT /2020-08-15/logs`) and Telemetry API (`PUT /2022-07-01/telemetry`)
 * answered as RIE answers them when they are off: 202 with a `*.NotSupported` document, a
 * non-committal answer that keeps a subscribing extension running.
 * Reference: RIE `lambda/rapi/handler/runtimelogs_stub.go`.
 */
import type { RouteHandler } from './route-context.js';
import { sendJson } from './runtime-api-errors.js';

export const handleLogsSubscribe: RouteHandler = (_ctx, _req, res) => {
  sendJson(res, 202, { errorMessage: 'Logs API is not supported', errorType: 'Logs.NotSupported' });
};

export const handleTelemetrySubscribe: RouteHandler = (_ctx, _req, res) => {
  sendJson(res, 202, { errorMessage: 'Telemetry API is not supported', errorType: 'Telemetry.NotSupported' });
};

/** `GET /2018-06-01/ping`: RIE keeps it for old clients, and so does Gust. */
export const handlePing: RouteHandler = (_ctx, _req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 4 });
  res.end('pong');
};
