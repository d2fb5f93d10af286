// The console's one door to Gust: the same routes the SDK and the CLI use. Every request
// carries X-Gust-Console, without which the edge does not take the session cookie (CSRF).

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

const SIGNED_OUT = new Set(['MissingAuthenticationTokenException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException']);

/** Calls a route; resolves with the parsed JSON (or the Response with `raw`), rejects with an ApiError. */
export async function api(path, { method = 'GET', body, headers = {}, raw = false } = {}) {
  const response = await fetch(path, { method, body, credentials: 'same-origin', headers: { 'x-gust-console': '1', ...headers } });
  if (raw && response.ok) return response;
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!response.ok) {
    const type = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? data?.__type ?? '';
    // The session expired or its key was removed: the shell shows the sign-in form again.
    if (SIGNED_OUT.has(type)) window.dispatchEvent(new Event('gust-signed-out'));
    throw new ApiError(response.status, type, data?.message ?? data?.Message ?? `${response.status} ${response.statusText}`);
  }
  return data;
}

const enc = encodeURIComponent;

/**
 * Every function, following ListFunctions' pages (50 at most each, as on AWS); `onPage` sees
 * the list so far after each, so that a long list draws its first rows at once.
 */
export async function listFunctions(onPage = () => {}, stillWanted = () => true) {
  const all = [];
  let marker;
  do {
    const page = await api(`/2015-03-31/functions?MaxItems=50${marker ? `&Marker=${enc(marker)}` : ''}`);
    all.push(...page.Functions);
    marker = page.NextMarker;
    if (marker) onPage([...all]);
  } while (marker && stillWanted());
  return all;
}

export const getFunction = (name) => api(`/2015-03-31/functions/${enc(name)}`);
export const listVersions = (name) => api(`/2015-03-31/functions/${enc(name)}/versions`).then((r) => r.Versions);
export const listAliases = (name) => api(`/2015-03-31/functions/${enc(name)}/aliases`).then((r) => r.Aliases);
export const listMappings = (name) => api(`/2015-03-31/event-source-mappings?FunctionName=${enc(name)}`).then((r) => r.EventSourceMappings);
/** The function's URL configuration, or null when it has none. */
export const getUrlConfig = (name) => api(`/2021-10-31/functions/${enc(name)}/url`).catch((e) => (e.status === 404 ? null : Promise.reject(e)));

/** An EventBridge operation (awsJson1_1 on POST /); the edge lets the console ask read-only ones. */
export const eventBridge = (operation, input) =>
  api('/', { method: 'POST', headers: { 'x-amz-target': `AWSEvents.${operation}`, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(input) });

/** Rules with a target on this function (its ARN or a qualified one), with their schedule or pattern. */
export async function rulesTargeting(arn) {
  const rules = [];
  let NextToken;
  do {
    const page = await eventBridge('ListRules', NextToken ? { NextToken } : {});
    rules.push(...page.Rules);
    NextToken = page.NextToken;
  } while (NextToken);
  const targeted = await Promise.all(rules.map(async (rule) => {
    const { Targets = [] } = await eventBridge('ListTargetsByRule', { Rule: rule.Name, EventBusName: rule.EventBusName });
    return Targets.some((t) => t.Arn === arn || t.Arn.startsWith(`${arn}:`)) ? rule : undefined;
  }));
  return targeted.filter(Boolean);
}

/** The account's buckets whose notifications go to this function (or one of its versions or aliases). */
export const bucketsNotifying = (arn) =>
  api('/gust/buckets').then(({ buckets }) => buckets.filter((b) => b.notifications.some((t) => t === arn || t.startsWith(`${arn}:`))));

/** A function's State, which ListFunctions leaves out (as AWS's does). */
export const getState = (name) => api(`/2015-03-31/functions/${enc(name)}/configuration`).then((c) => c.State);

/** Metrics routes may be absent (an older server): null then, and the page says "no data". */
const orNull = (p) => p.catch((e) => (e.status === 404 ? null : Promise.reject(e)));
export const metricsSummary = () => orNull(api('/gust/metrics/summary'));
export const metricsHistory = (name) => orNull(api(`/gust/metrics/history?function=${enc(name)}`));

export const logsPage = (name, { after, since } = {}) =>
  api(`/gust/logs/${enc(name)}?limit=500${after ? `&after=${enc(after)}` : ''}${since !== undefined ? `&since=${since}` : ''}`);

/** A synchronous Invoke with the log tail, as `aws lambda invoke --log-type Tail` asks. */
export async function invoke(name, payload) {
  const started = performance.now();
  const response = await api(`/2015-03-31/functions/${enc(name)}/invocations`, { method: 'POST', body: payload, headers: { 'x-amz-log-type': 'Tail', 'content-type': 'application/json' }, raw: true });
  const body = await response.text();
  const tail = response.headers.get('x-amz-log-result');
  return {
    status: response.status,
    functionError: response.headers.get('x-amz-function-error'),
    body,
    log: tail ? new TextDecoder().decode(Uint8Array.from(atob(tail), (c) => c.charCodeAt(0))) : '',
    ms: Math.round(performance.now() - started),
  };
}

export const session = () => api('/console/session');
export const signIn = (accessKeyId, secretAccessKey) =>
  api('/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId, secretAccessKey }) });
export const signOut = () => api('/console/session', { method: 'DELETE' });
