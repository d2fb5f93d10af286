/**
 * Traces of invocations, recorded with OpenTelemetry's SDK and sent over OTLP/HTTP by its
 * batch processor. A run's trace and its span id are decided before it starts
 * (`traceHeader`), since the function gets them in `_X_AMZN_TRACE_ID` and `TRACEPARENT`;
 * its spans are recorded once it ended (`finished`), from the InvocationRun's times and
 * durations, so the invoke path itself carries no span objects.
 *
 * Spans (FaaS semantic conventions, https://opentelemetry.io/docs/specs/semconv/faas/):
 * the run (kind SERVER, named after the function), and under it `Queue` (waiting for a
 * concurrency lease and an environment), `Initialization` (a cold start's init) and
 * `Invocation` (the handler), the names Lambda's own X-Ray subsegments use.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, RandomIdGenerator, type IdGenerator, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { newSpanId, newTraceIdHex } from '../core/ids.js';
import { parseTraceHeader, xrayHeader } from '../core/trace-context.js';
import type { InvocationObserver, InvocationRun, InvocationTracer } from '../invoke/invocation-observer.js';
import type { InvokeTrigger } from '../invoke/invoke-types.js';
import type { SamplerSettings, TracingSettings } from './tracing-settings.js';

/** Gust's triggers as `faas.trigger` names them. */
const FAAS_TRIGGER: Record<InvokeTrigger, string> = { api: 'other', url: 'http', async: 'other', sqs: 'pubsub' };

/**
 * Ids the SDK's tracer would otherwise draw itself: the run's span must carry the ids the
 * function was given. `startSpan` asks for them synchronously (the span id first, then the
 * trace id when the span has no parent), so a preset is taken by the very next span.
 */
class PresetIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private traceId: string | undefined;
  private spanId: string | undefined;

  /** The ids of the next root span; a span under a remote parent takes only the span id. */
  preset(traceId: string, spanId: string): void {
    this.traceId = traceId;
    this.spanId = spanId;
  }

  generateTraceId(): string {
    const id = this.traceId ?? this.random.generateTraceId();
    this.traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.spanId ?? this.random.generateSpanId();
    this.spanId = undefined;
    return id;
  }

  /** Drops a trace id the span did not take (it had a parent). */
  clear(): void {
    this.traceId = undefined;
  }
}

/**
 * The OTLP exporter, telling the server's log when exports fail: the SDK itself only tells
 * its global diagnostic logger, which nobody reads, so a wrong endpoint would go unnoticed.
 * At most one line a minute: a collector that is down fails every batch.
 */
class ReportingExporter implements SpanExporter {
  private lastReport = -Infinity;

  constructor(private readonly inner: SpanExporter, private readonly report: (err: Error) => void) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      // A failed export carries its error; a successful one none.
      if (result.error && Date.now() - this.lastReport >= 60_000) {
        this.lastReport = Date.now();
        this.report(result.error);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export interface InvocationTracesOptions {
  settings: TracingSettings;
  region: string;
  /** Told when an export fails (at most once a minute). */
  reportExportFailure(err: Error): void;
}

export class InvocationTraces implements InvocationObserver, InvocationTracer {
  private readonly ids = new PresetIds();
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly sampler: SamplerSettings;
  private readonly region: string;

  constructor(options: InvocationTracesOptions) {
    const { settings } = options;
    this.sampler = settings.sampler;
    this.region = options.region;
    const exporter = new ReportingExporter(new OTLPTraceExporter({ url: settings.url, headers: settings.headers }), options.reportExportFailure);
    this.provider = new BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes({ 'service.name': settings.serviceName, 'cloud.region': options.region })),
      // Sampling is decided in traceHeader, before the run: what reaches the SDK is recorded.
      sampler: new AlwaysOnSampler(),
      idGenerator: this.ids,
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: settings.scheduledDelayMs })],
    });
    this.tracer = this.provider.getTracer('gust');
  }

  traceHeader(nowMs: number, callerHeader: string | undefined): string {
    const parent = callerHeader === undefined ? undefined : parseTraceHeader(callerHeader);
    const traceId = parent?.traceId ?? newTraceIdHex(nowMs);
    const sampled = this.sampler.parentBased && parent?.sampled !== undefined ? parent.sampled : ratioSampled(traceId, this.sampler.ratio);
    return xrayHeader(traceId, newSpanId(), sampled);
  }

  finished(run: InvocationRun): void {
    const own = parseTraceHeader(run.traceId);
    if (!own?.sampled || own.spanId === undefined) return;
    const caller = run.callerTraceHeader === undefined ? undefined : parseTraceHeader(run.callerTraceHeader);
    const parentContext = caller?.spanId !== undefined && caller.traceId === own.traceId
      ? trace.setSpanContext(ROOT_CONTEXT, { traceId: own.traceId, spanId: caller.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true })
      : ROOT_CONTEXT;
    this.ids.preset(own.traceId, own.spanId);
    const root = this.tracer.startSpan(run.functionName, { kind: SpanKind.SERVER, startTime: run.startedAt, attributes: this.attributes(run) }, parentContext);
    this.ids.clear();
    this.phases(run, trace.setSpan(ROOT_CONTEXT, root));
    const error = run.refused ?? (run.outcome?.outcome === 'error' ? (run.outcome.errorType ?? 'Unhandled') : undefined);
    if (error !== undefined) {
      root.setAttribute('error.type', error);
      root.setStatus({ code: SpanStatusCode.ERROR, message: error });
    }
    root.end(run.endedAt);
  }

  /** Sends what is still batched and stops the exporter (server shutdown). */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }

  private attributes(run: InvocationRun): Attributes {
    return {
      'faas.invocation_id': run.requestId,
      'faas.trigger': FAAS_TRIGGER[run.trigger],
      'faas.invoked_name': run.functionName,
      // The API Gust answers in is AWS Lambda's; clients name functions as they would there.
      'faas.invoked_provider': 'aws',
      'faas.invoked_region': this.region,
      'faas.version': run.executedVersion,
      'cloud.account.id': run.accountId,
      'cloud.region': this.region,
      'gust.trigger': run.trigger,
      ...(run.qualifier === undefined ? {} : { 'gust.qualifier': run.qualifier }),
      ...(run.outcome === undefined ? {} : { 'faas.coldstart': run.outcome.coldStart }),
    };
  }

  /**
   * The run's parts, laid back from its end: the handler's duration, before it the init's,
   * and the rest of the time since InvokeService took the request was the wait.
   */
  private phases(run: InvocationRun, parent: Context): void {
    const outcome = run.outcome;
    if (!outcome) return;
    const handlerStart = Math.max(run.startedAt, run.endedAt - outcome.durationMs);
    const initStart = outcome.initDurationMs === undefined ? handlerStart : Math.max(run.startedAt, handlerStart - outcome.initDurationMs);
    if (initStart > run.startedAt) this.child('Queue', run.startedAt, initStart, parent);
    if (outcome.initDurationMs !== undefined) this.child('Initialization', initStart, handlerStart, parent);
    const handler = this.child('Invocation', handlerStart, run.endedAt, parent);
    if (outcome.outcome === 'error') handler.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorType ?? 'Unhandled' });
  }

  private child(name: string, start: number, end: number, parent: Context): Span {
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: start }, parent);
    span.end(end);
    return span;
  }
}

/** The ratio sampler's rule on the trace id's last 8 hex digits, which are random in both id forms. */
function ratioSampled(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return parseInt(traceId.slice(-8), 16) < ratio * 2 ** 32;
}
