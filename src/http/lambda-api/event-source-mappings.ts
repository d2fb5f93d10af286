/**
 * Event source mapping routes (`/2015-03-31/event-source-mappings[/{UUID}]`):
 * CreateEventSourceMapping (202), GetEventSourceMapping, UpdateEventSourceMapping (202),
 * DeleteEventSourceMapping (202) and ListEventSourceMappings, with the SDK model's field
 * names. Gust maps SQS queues; the members AWS takes only for other sources are refused
 * by name.
 */
import type { FastifyInstance } from 'fastify';
import type { EventSourceMapping } from '../../core/model/event-source-mappings.js';
import type { MappingSettingsInput } from '../../control/event-source-mappings/mapping-validation.js';
import type { LambdaApiContext, LambdaApiSpaces } from './context.js';
import { JsonObject, pageQuery, pathParam, queryString } from './fn-request.js';

const BASE = '/2015-03-31/event-source-mappings';

/** Members of Create/UpdateEventSourceMapping that only other kinds of source take. */
const OTHER_SOURCE_MEMBERS = [
  'StartingPosition',
  'StartingPositionTimestamp',
  'ParallelizationFactor',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'TumblingWindowInSeconds',
  'Topics',
  'Queues',
  'SourceAccessConfigurations',
  'SelfManagedEventSource',
  'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
  'KMSKeyArn',
  'MetricsConfig',
  'LoggingConfig',
  'ProvisionedPollerConfig',
];

function readSettings(body: JsonObject): MappingSettingsInput {
  const filters = body.object('FilterCriteria')?.objectList('Filters');
  const scaling = body.object('ScalingConfig');
  const destination = body.object('DestinationConfig');
  const onSuccess = destination?.object('OnSuccess')?.string('Destination');
  const onFailure = destination?.object('OnFailure')?.string('Destination');
  const enabled = body.boolean('Enabled');
  const batchSize = body.integer('BatchSize');
  const window = body.integer('MaximumBatchingWindowInSeconds');
  const types = body.stringList('FunctionResponseTypes');
  const other = OTHER_SOURCE_MEMBERS.filter((name) => body.has(name));
  const filterCriteria = body.object('FilterCriteria');
  return {
    ...(enabled === undefined ? {} : { enabled }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(window === undefined ? {} : { maximumBatchingWindowInSeconds: window }),
    // FilterCriteria: {} removes the filters, as AWS documents.
    ...(filterCriteria === undefined ? {} : { filters: (filters ?? []).map((f) => f.string('Pattern')) }),
    ...(types === undefined ? {} : { functionResponseTypes: types }),
    ...(scaling === undefined ? {} : { scalingConfig: { ...(scaling.integer('MaximumConcurrency') === undefined ? {} : { maximumConcurrency: scaling.integer('MaximumConcurrency')! }) } }),
    ...(destination === undefined ? {} : { destinationConfig: { ...(onSuccess === undefined ? {} : { onSuccess }), ...(onFailure === undefined ? {} : { onFailure }) } }),
    ...(other.length === 0 ? {} : { otherSourceParameters: other }),
  };
}

export function registerEventSourceMappingRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  /** EventSourceMappingConfiguration. */
  const render = ({ partition, mappings }: LambdaApiContext, m: EventSourceMapping): Record<string, unknown> => ({
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    EventSourceArn: m.eventSourceArn,
    ...(m.filters === undefined ? {} : { FilterCriteria: { Filters: m.filters.map((Pattern) => ({ Pattern })) } }),
    FunctionArn: mappings.functionArn(m),
    LastModified: m.lastModified / 1000,
    LastProcessingResult: m.lastProcessingResult,
    State: m.state,
    StateTransitionReason: m.stateTransitionReason,
    ...(m.onFailure === undefined ? {} : { DestinationConfig: { OnFailure: { Destination: m.onFailure } } }),
    FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    ...(m.maximumConcurrency === undefined ? {} : { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } }),
    EventSourceMappingArn: `arn:aws:lambda:${partition.region}:${partition.accountId}:event-source-mapping:${m.uuid}`,
  });

  // In a cluster the node that keeps the queues, which runs the pollers, answers these (http/hand-over.ts).
  const kept = { config: { keeper: true } };
  app.post(BASE, kept, async (request, reply) => {
    const ctx = spaces.of(request);
    const { mappings } = ctx;
    const body = JsonObject.fromBody(request);
    const functionName = body.string('FunctionName');
    const eventSourceArn = body.string('EventSourceArn');
    const tags = body.stringMap('Tags');
    const mapping = await mappings.create({
      ...readSettings(body),
      ...(functionName === undefined ? {} : { functionName }),
      ...(eventSourceArn === undefined ? {} : { eventSourceArn }),
      ...(tags === undefined ? {} : { tags }),
    });
    return reply.status(202).send(render(ctx, mapping));
  });

  app.get(BASE, kept, async (request) => {
    const ctx = spaces.of(request);
    const { mappings } = ctx;
    const eventSourceArn = queryString(request, 'EventSourceArn');
    const functionName = queryString(request, 'FunctionName');
    const page = mappings.list({ ...(eventSourceArn === undefined ? {} : { eventSourceArn }), ...(functionName === undefined ? {} : { functionName }) }, pageQuery(request));
    return { EventSourceMappings: page.items.map((m) => render(ctx, m)), ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }) };
  });

  app.get(`${BASE}/:UUID`, kept, async (request) => {
    const ctx = spaces.of(request);
    return render(ctx, ctx.mappings.get(pathParam(request, 'UUID')));
  });

  app.put(`${BASE}/:UUID`, kept, async (request, reply) => {
    const ctx = spaces.of(request);
    const { mappings } = ctx;
    const body = JsonObject.fromBody(request);
    const functionName = body.string('FunctionName');
    const mapping = await mappings.update(pathParam(request, 'UUID'), { ...readSettings(body), ...(functionName === undefined ? {} : { functionName }) });
    return reply.status(202).send(render(ctx, mapping));
  });

  app.delete(`${BASE}/:UUID`, kept, async (request, reply) => {
    const ctx = spaces.of(request);
    return reply.status(202).send(render(ctx, await ctx.mappings.delete(pathParam(request, 'UUID'))));
  });
}
