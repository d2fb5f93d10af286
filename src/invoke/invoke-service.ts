/**
 * InvokeService: where every invocation enters, whatever triggered it. It resolves the
 * function and qualifier from the in-memory cache (no disk on the hot path), applies an
 * alias's weighted routing, validates the payload as AWS does, and builds the one
 * Invocation value that the pool runs and the runtime receives (with a trace id, as Lambda
 * sets one on every invocation); the pool's outcome becomes AWS's Invoke answer. It also
 * keeps the pool in step with the control plane: reserved concurrency, draining on code or
 * configuration changes and on deletes.
 */
import { functionArn, parseFunctionName, resolveQualifier, type Partition } from '../core/arn.js';
import type { Clock } from '../core/clock.js';
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  RequestTooLargeException,
  ResourceConflictException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '../core/errors.js';
import { continuedTraceId, newRequestId, newTraceId } from '../core/ids.js';
import { traceRoot } from '../core/trace-context.js';
import { LIMITS } from '../core/limits.js';
import type { Alias, FunctionVersion } from '../core/model/functions.js';
import type { Invocation, InvocationOutcome } from '../core/model/invocation.js';
import type { FunctionService } from '../control/function-service.js';
import { NoIdleEnvironmentError, versionFingerprint, type InvokableVersion, type Pool } from '../pool/pool.js';
import type { BlobStore } from '../store/blob-store.js';
import type { InvokeRequest, InvokeResult } from './invoke-types.js';
import type { RoutedRequest } from './routed-invoke.js';
import type { InvocationObserver, InvocationRun, InvocationTracer } from './invocation-observer.js';

export interface InvokeServiceDeps {
  functions: FunctionService;
  pool: Pool;
  blobs: Pick<BlobStore, 'unpackedPath'>;
  partition: Partition;
  /** Dates each invocation's trace id. */
  clock: Clock;
  /** Where asynchronous (`Event`) invocations go; absent until a queue is wired. */
  enqueue?: (request: InvokeRequest & { requestId: string }) => Promise<void>;
  /** Picks a number in [0, 1) for alias weights; injectable so tests can steer routing. */
  random?: () => number;
  /** Told about every synchronous run once it ended (metrics, traces). */
  observer?: InvocationObserver;
  /** Decides each run's trace when traces are recorded; without it, a new unsampled X-Ray trace (or the caller's). */
  tracer?: InvocationTracer;
  /**
   * A cluster node's router: asked for a synchronous invocation that no idle environment here
   * would take, it runs it on a node that has one and answers its result, or undefined to run
   * it here.
   */
  elsewhere?: (functionName: string, request: RoutedRequest) => Promise<InvokeResult | undefined>;
  /** Whether another node keeps provisioned environments of the version: tried first, before an idle on-demand one here. */
  provisionedElsewhere?: (functionName: string, version: string) => boolean;
}

/** An empty payload reaches the handler as `{}`, as on Lambda. */
const EMPTY_EVENT = Buffer.from('{}');

export class InvokeService {
  private readonly random: () => number;
  /** One InvokableVersion per version (key `name\0version`), rebuilt when its RevisionId changes. */
  private readonly invokables = new Map<string, InvokableVersion>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: InvokeServiceDeps) {
    this.random = deps.random ?? Math.random;
    for (const name of deps.functions.functionNamesSync()) this.syncConcurrency(name);
    this.unsubscribe = deps.functions.onChange((name, change) => {
      switch (change.kind) {
        case 'created':
        case 'concurrency':
          this.syncConcurrency(name);
          break;
        case 'code':
        case 'configuration':
        case 'version-deleted':
          this.forget(name);
          // Only environments whose version now runs differently or is gone: published
          // versions are immutable, and a description change reaches no environment.
          void deps.pool.drainFunction(name, (v) => this.isCurrent(v));
          break;
        case 'deleted':
          this.forget(name);
          this.deps.pool.setReservedConcurrency(name, undefined);
          // As on AWS, invocations in flight finish; the environments stop once idle.
          void deps.pool.drainFunction(name);
          break;
        default:
          break;
      }
    });
  }

  async invoke(request: InvokeRequest): Promise<InvokeResult> {
    const ref = parseFunctionName(request.functionName, this.deps.partition);
    const qualifier = resolveQualifier(ref, request.qualifier);
    const resolved = this.deps.functions.resolveSync(ref.name, qualifier);
    if (!resolved) throw new ResourceNotFoundException(`Function not found: ${functionArn(this.deps.partition, ref.name, qualifier)}`);
    const payload = checkPayload(request);
    const clientContext = request.clientContext === undefined ? undefined : decodeClientContext(request.clientContext);
    const requestId = request.requestId ?? newRequestId();

    if (request.invocationType === 'DryRun') {
      return { statusCode: 204, payload: Buffer.alloc(0), executedVersion: resolved.version.version, requestId };
    }
    if (request.invocationType === 'Event') {
      // Refused now, as Lambda refuses it, rather than queued for retries that would each be refused.
      if (resolved.version.state !== 'Active') throw notActive(resolved.version.state);
      if (!this.deps.enqueue) throw new InvalidParameterValueException('Asynchronous invocation (InvocationType Event) is not available on this server.');
      // Traced, an event without a caller's trace gets one now, so that all its deliveries are in it.
      const traceHeader = request.traceHeader ?? (this.deps.tracer && traceRoot(this.deps.tracer.traceHeader(this.deps.clock.now(), undefined)));
      await this.deps.enqueue({ ...request, payload, requestId, ...(traceHeader === undefined ? {} : { traceHeader }) });
      return { statusCode: 202, payload: Buffer.alloc(0), executedVersion: resolved.version.version, requestId };
    }

    const version = request.routed ? this.routedVersion(ref.name, request.routed.version) : resolved.alias ? this.route(ref.name, resolved.alias, resolved.version) : resolved.version;
    if (version.state !== 'Active') throw notActive(version.state);
    // Triggers whose capacity this node counts (async events, queue pollers) run here.
    const routable = request.trigger === undefined || request.trigger === 'api' || request.trigger === 'url';
    if (this.deps.elsewhere && routable && !request.routed && (!this.deps.pool.hasIdle(ref.name, version.version) || this.deps.provisionedElsewhere?.(ref.name, version.version))) {
      const result = await this.deps.elsewhere(ref.name, { ...request, payload, requestId, routed: { version: version.version } });
      if (result) return result;
    }
    const startedAt = this.deps.clock.now();
    const invocation: Invocation = {
      requestId,
      payload,
      invokedFunctionArn: functionArn(this.deps.partition, ref.name, qualifier),
      ...(clientContext === undefined ? {} : { clientContext }),
      traceId: this.deps.tracer
        ? this.deps.tracer.traceHeader(startedAt, request.traceHeader)
        : request.traceHeader === undefined ? newTraceId(startedAt) : continuedTraceId(request.traceHeader, startedAt),
      wantTail: request.logType === 'Tail',
    };
    const observer = this.deps.observer;
    let outcome: InvocationOutcome;
    try {
      outcome = await this.deps.pool.run(this.invokable(version), invocation, { idleOnly: request.routed !== undefined && request.routed.cold !== true });
    } catch (err) {
      // Sent here by another node and no environment was idle: that node runs it, and counts it.
      if (err instanceof NoIdleEnvironmentError) throw err;
      if (observer) {
        const run = this.runOf(request, ref.name, qualifier, version.version, invocation, startedAt);
        run.refused = err instanceof TooManyRequestsException ? 'throttled' : err instanceof Error ? err.name : 'Error';
        observer.finished(run);
      }
      throw err;
    }
    if (observer) {
      const run = this.runOf(request, ref.name, qualifier, outcome.executedVersion, invocation, startedAt);
      run.outcome = outcome;
      observer.finished(run);
    }
    // Fields set one by one, not spread from conditional literals: this runs on every invoke.
    const result: InvokeResult = { statusCode: 200, payload: outcome.payload, executedVersion: outcome.executedVersion, requestId };
    // Lambda reports every function error, a timeout or a crash included, as `Unhandled`.
    if (outcome.outcome === 'error') result.functionError = 'Unhandled';
    if (outcome.errorType !== undefined) result.errorType = outcome.errorType;
    if (outcome.logTail !== undefined) result.logResult = Buffer.from(outcome.logTail).toString('base64');
    return result;
  }

  private runOf(request: InvokeRequest, functionName: string, qualifier: string | undefined, executedVersion: string, invocation: Invocation, startedAt: number): InvocationRun {
    const run: InvocationRun = {
      accountId: this.deps.partition.accountId,
      functionName,
      executedVersion,
      trigger: request.trigger ?? 'api',
      requestId: invocation.requestId,
      traceId: invocation.traceId,
      startedAt,
      endedAt: this.deps.clock.now(),
    };
    if (qualifier !== undefined) run.qualifier = qualifier;
    if (request.traceHeader !== undefined) run.callerTraceHeader = request.traceHeader;
    return run;
  }

  /** Stops listening to the control plane (server shutdown). */
  close(): void {
    this.unsubscribe();
  }

  /** The version another node chose for an invocation it sent here; it may be gone by now. */
  private routedVersion(name: string, version: string): FunctionVersion {
    const found = this.deps.functions.getVersionSync(name, version);
    if (!found) throw new ResourceNotFoundException(`Function not found: ${functionArn(this.deps.partition, name, version)}`);
    return found;
  }

  /** Applies AdditionalVersionWeights: the extra version gets its weight's share. */
  private route(name: string, alias: Alias, primary: FunctionVersion): FunctionVersion {
    const draw = this.random();
    let acc = 0;
    for (const [v, weight] of Object.entries(alias.additionalVersionWeights)) {
      acc += weight;
      if (draw < acc) return this.deps.functions.getVersionSync(name, v) ?? primary;
    }
    return primary;
  }

  /** The version with its code and layer directories, as the pool runs it (one object per revision). */
  invokable(version: FunctionVersion): InvokableVersion {
    // One entry per version, replaced when its revision moves on: TagResource and
    // PublishVersion bump $LATEST's RevisionId without a code or configuration change,
    // which is all that clears the map, so a key per revision would keep every old one.
    const key = `${version.functionName}\0${version.version}`;
    let inv = this.invokables.get(key);
    if (inv?.revisionId !== version.revisionId) {
      inv = {
        ...version,
        codeDir: this.deps.blobs.unpackedPath(version.codeHash),
        layerDirs: version.layers.map((l) => this.deps.blobs.unpackedPath(l.codeHash)),
      };
      this.invokables.set(key, inv);
    }
    return inv;
  }

  /** Whether environments made for `v` still match its version as stored now. */
  private isCurrent(v: InvokableVersion): boolean {
    const now = this.deps.functions.getVersionSync(v.functionName, v.version);
    return now !== undefined && now.state === 'Active' && versionFingerprint(this.invokable(now)) === versionFingerprint(v);
  }

  private forget(name: string): void {
    const prefix = `${name}\0`;
    for (const key of this.invokables.keys()) if (key.startsWith(prefix)) this.invokables.delete(key);
  }

  private syncConcurrency(name: string): void {
    this.deps.pool.setReservedConcurrency(name, this.deps.functions.getFunctionSync(name)?.reservedConcurrency);
  }
}

function notActive(state: string): ResourceConflictException {
  return new ResourceConflictException(`The operation cannot be performed at this time. The function is currently in the following state: ${state}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `X-Amz-Client-Context` is base64 of a JSON object; the runtime gets the object as JSON
 * text (`Lambda-Runtime-Client-Context`), which it parses into `context.clientContext`.
 * Anything else is refused as AWS refuses it. The text is written anew, in ASCII: a header
 * can carry neither the caller's line breaks nor characters beyond Latin-1 (which made the
 * delivery fail with a 500), and `\uXXXX` escapes parse back to the same object.
 */
function decodeClientContext(header: string): string {
  const invalid = () => new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.');
  if (!BASE64.test(header)) throw invalid();
  const text = Buffer.from(header, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid();
  return JSON.stringify(parsed).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Size and JSON checks of AWS's Invoke; returns the bytes to hand to the runtime. */
function checkPayload(request: InvokeRequest): Buffer {
  const limit = request.invocationType === 'Event' ? LIMITS.asyncPayloadBytes : LIMITS.syncPayloadBytes;
  if (request.payload.length > limit) {
    throw new RequestTooLargeException(`Request must be smaller than ${limit} bytes for the InvokeFunction operation`);
  }
  if (request.payload.length === 0) return EMPTY_EVENT;
  try {
    JSON.parse(request.payload.toString('utf8'));
  } catch (err) {
    throw new InvalidRequestContentException(`Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`);
  }
  return request.payload;
}
