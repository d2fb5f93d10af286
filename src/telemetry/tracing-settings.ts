/**
 * Whether Gust records traces, and where it sends them, read from OpenTelemetry's standard
 * variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 * and .../protocol/exporter/): tracing is on when an OTLP endpoint is named, and off
 * otherwise, so that a server nobody collects traces from pays nothing for them.
 */

/** How runs without a caller's decision are sampled, after OTEL_TRACES_SAMPLER. */
export interface SamplerSettings {
  /** The share of new traces recorded, 0 to 1 (`always_on` 1, `always_off` 0). */
  ratio: number;
  /** Follow the caller's decision when its header carries one (the `parentbased_*` samplers). */
  parentBased: boolean;
}

export interface TracingSettings {
  /** The OTLP/HTTP traces URL (`…/v1/traces`). */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  sampler: SamplerSettings;
  /** The batch processor's wait between exports (OTEL_BSP_SCHEDULE_DELAY). */
  scheduledDelayMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The settings `env` names, or undefined when no OTLP endpoint is set (tracing off). Throws on values it cannot read. */
export function tracingSettings(env: Env): TracingSettings | undefined {
  const url = tracesUrl(env);
  if (url === undefined) return undefined;
  return {
    url,
    headers: { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'), ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'gust',
    sampler: sampler(env),
    scheduledDelayMs: nonNegative(env.OTEL_BSP_SCHEDULE_DELAY, 'OTEL_BSP_SCHEDULE_DELAY') ?? 5000,
  };
}

/** The signal-specific endpoint is used as given; the general one gets the signal's path (the spec's rule). */
function tracesUrl(env: Env): string | undefined {
  const traces = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (traces !== undefined) return checkUrl(traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (base === undefined) return undefined;
  return checkUrl(`${base.replace(/\/+$/, '')}/v1/traces`, 'OTEL_EXPORTER_OTLP_ENDPOINT');
}

function checkUrl(url: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${name} is not a URL: '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${name} must be an http or https URL: '${url}'`);
  return url;
}

/** `key=value,key2=value2`, values percent-encoded (the W3C baggage format the spec names). */
function parseHeaders(raw: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${name}: '${pair.trim()}' is not key=value`);
    out[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return out;
}

function sampler(env: Env): SamplerSettings {
  const name = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase() ?? 'parentbased_always_on';
  const arg = () => {
    const raw = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG);
    if (raw === undefined) return 1;
    const ratio = Number(raw);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1: '${raw}'`);
    return ratio;
  };
  switch (name) {
    case 'always_on': return { ratio: 1, parentBased: false };
    case 'always_off': return { ratio: 0, parentBased: false };
    case 'traceidratio': return { ratio: arg(), parentBased: false };
    case 'parentbased_always_on': return { ratio: 1, parentBased: true };
    case 'parentbased_always_off': return { ratio: 0, parentBased: true };
    case 'parentbased_traceidratio': return { ratio: arg(), parentBased: true };
    default: throw new Error(`OTEL_TRACES_SAMPLER '${name}' is not one Gust knows (always_on, always_off, traceidratio and their parentbased_ forms)`);
  }
}

function nonNegative(raw: string | undefined, name: string): number | undefined {
  if (nonEmpty(raw) === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of milliseconds: '${raw}'`);
  return n;
}

function nonEmpty(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}
