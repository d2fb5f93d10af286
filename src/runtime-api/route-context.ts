/**
 * What every Runtime API handler receives: the runtime's session, the extensions parked on
 * the Extensions API, and the function facts an extension's registration answer carries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuntimeSession } from './runtime-session.js';

/** What `POST /extension/register` reports about the function (all optional to the pool). */
export interface FunctionInfo {
  functionName: string;
  functionVersion: string;
  handler: string;
}

export interface RouteContext {
  session: RuntimeSession;
  /** Identifiers handed out by extension registration. */
  extensionIds: Set<string>;
  /** Extension event/next requests, parked until the endpoint closes. */
  parkedExtensions: Set<ServerResponse>;
  functionInfo: FunctionInfo;
}

/** One endpoint's handler: parse and validate → call the session → render. */
export type RouteHandler = (ctx: RouteContext, req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void;
