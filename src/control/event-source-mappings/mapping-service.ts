/**
 * MappingService: Lambda event source mappings (SQS sources), their validation, their
 * State lifecycle and their persistence. It keeps every mapping in memory (read back by
 * `load`); the pollers (triggers/sqs) listen to its changes, follow them, and report back
 * with `settle` (a transitional State is over) and `recordResult` (LastProcessingResult).
 * Writes are serialised. Function changes are not its concern: AWS keeps a mapping whose
 * function is gone and reports the failed invocations in LastProcessingResult.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
import { randomUUID } from 'node:crypto';
import { functionArn, parseFunctionName, type Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException, ValidationException } from '../../core/errors.js';
import type { EventSourceMapping } from '../../core/model/event-source-mappings.js';
import { Mutex } from '../../core/primitives.js';
import type { MappingStore } from '../../store/mapping-store.js';
import { arnService } from '../event-invoke-config-validation.js';
import type { FunctionService } from '../function-service.js';
import type { PageRequest } from '../function-inputs.js';
import { paginate, type Page } from '../pagination.js';
import { requestTransition, settledState, type MappingRequest } from './mapping-state.js';
import { DEFAULT_BATCH_SIZE, checkEventSourceArnPattern, checkFilters, checkSettingsShape, checkSqsRules, type MappingSettingsInput } from './mapping-validation.js';

export interface MappingServiceDeps {
  store: MappingStore;
  functions: Pick<FunctionService, 'resolveSync'>;
  /** The queues a mapping may read: whether one exists, its type and visibility timeout. */
  queues: {
    queueNameOfArn(arn: string): string | undefined;
    describe(name: string): { fifo: boolean; visibilityTimeoutSeconds: number } | undefined;
  };
  partition: Partition;
  clock: Clock;
}

export interface CreateMappingInput extends MappingSettingsInput {
  functionName?: string;
  eventSourceArn?: string;
  tags?: Record<string, string>;
}

export interface UpdateMappingInput extends MappingSettingsInput {
  functionName?: string;
}

/** Called after a mapping changed; `removed` once a deletion is complete. */
export type MappingListener = (mapping: EventSourceMapping, removed: boolean) => void;

const NOT_FOUND = 'The resource you requested does not exist.';
const NO_QUEUE = 'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.';

const copy = (m: EventSourceMapping): EventSourceMapping => structuredClone(m);

export class MappingService {
  private readonly mappings = new Map<string, EventSourceMapping>();
  private readonly listeners = new Set<MappingListener>();
  private readonly lock = new Mutex();

  constructor(private readonly deps: MappingServiceDeps) {}

  /** Reads every mapping back from the store: at the start, and on a cluster node taking the queues over (another node may have written them). */
  async load(): Promise<void> {
    const stored = await this.deps.store.listMappings();
    this.mappings.clear();
    for (const m of stored) this.mappings.set(m.uuid, m);
  }

  onChange(listener: MappingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every mapping (copies), ordered by UUID. */
  all(): EventSourceMapping[] {
    return [...this.mappings.values()].sort((a, b) => (a.uuid < b.uuid ? -1 : 1)).map(copy);
  }

  get(uuid: string): EventSourceMapping {
    const m = this.mappings.get(uuid);
    if (!m) throw new ResourceNotFoundException(NOT_FOUND);
    return copy(m);
  }

  functionArn(m: EventSourceMapping): string {
    return functionArn(this.deps.partition, m.functionName, m.qualifier);
  }

  list(filter: { eventSourceArn?: string; functionName?: string }, page: PageRequest): Page<EventSourceMapping> {
    const fn = filter.functionName === undefined ? undefined : parseFunctionName(filter.functionName, this.deps.partition);
    const matching = this.all().filter(
      (m) => (filter.eventSourceArn === undefined || m.eventSourceArn === filter.eventSourceArn) && (!fn || (m.functionName === fn.name && (fn.qualifier === undefined || m.qualifier === fn.qualifier))),
    );
    return paginate(matching, (m) => m.uuid, page);
  }

  create(input: CreateMappingInput): Promise<EventSourceMapping> {
    return this.lock.run(async () => {
      checkSettingsShape(input);
      if (input.functionName === undefined) throw new ValidationException("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null");
      const target = this.resolveFunction(input.functionName);
      const arn = input.eventSourceArn;
      if (arn === undefined) throw new InvalidParameterValueException('Unrecognized event source, must be kinesis, dynamodb stream or sqs.');
      checkEventSourceArnPattern(arn);
      if (arnService(arn) !== 'sqs') throw new InvalidParameterValueException(`Gust maps SQS queues only: ${arn} is not an SQS queue ARN.`);
      const queue = this.queueOf(arn);
      const duplicate = [...this.mappings.values()].find((m) => m.eventSourceArn === arn && m.functionName === target.name && m.qualifier === target.qualifier);
      if (duplicate) {
        throw new ResourceConflictException(
          `An event source mapping with SQS arn (" ${arn} ") and function (" ${target.name} ") already exists. Please update or delete the existing mapping with UUID ${duplicate.uuid}`,
        );
      }
      const mapping: EventSourceMapping = {
        uuid: randomUUID(),
        eventSourceArn: arn,
        functionName: target.name,
        ...(target.qualifier === undefined ? {} : { qualifier: target.qualifier }),
        batchSize: input.batchSize ?? DEFAULT_BATCH_SIZE,
        maximumBatchingWindowInSeconds: input.maximumBatchingWindowInSeconds ?? 0,
        reportBatchItemFailures: false,
        enabled: input.enabled ?? true,
        state: 'Creating',
        stateTransitionReason: 'USER_INITIATED',
        lastProcessingResult: 'No records processed',
        tags: { ...(input.tags ?? {}) },
        lastModified: this.deps.clock.now(),
      };
      this.applySettings(mapping, input);
      checkSqsRules(mapping, queue, target.timeout);
      await this.commit(mapping);
      return copy(mapping);
    });
  }

  update(uuid: string, input: UpdateMappingInput): Promise<EventSourceMapping> {
    return this.lock.run(async () => {
      const current = this.mappings.get(uuid);
      if (!current) throw new ResourceNotFoundException(NOT_FOUND);
      checkSettingsShape(input);
      const next = copy(current);
      let timeout: number | undefined;
      if (input.functionName !== undefined) {
        const target = this.resolveFunction(input.functionName);
        next.functionName = target.name;
        if (target.qualifier === undefined) delete next.qualifier;
        else next.qualifier = target.qualifier;
        timeout = target.timeout;
      }
      const onlyEnabled = Object.entries(input).every(([k, v]) => k === 'enabled' || v === undefined);
      let request: MappingRequest = 'update';
      if (input.enabled !== undefined && onlyEnabled) request = input.enabled ? 'enable' : 'disable';
      if (input.enabled !== undefined) next.enabled = input.enabled;
      this.applySettings(next, input);
      timeout ??= this.deps.functions.resolveSync(next.functionName, next.qualifier)?.version.timeout;
      const queue = this.deps.queues.queueNameOfArn(next.eventSourceArn);
      const described = queue === undefined ? undefined : this.deps.queues.describe(queue);
      if (described && timeout !== undefined) checkSqsRules(next, described, timeout);
      next.state = requestTransition(current, request);
      next.stateTransitionReason = 'USER_INITIATED';
      next.lastModified = this.deps.clock.now();
      await this.commit(next);
      return copy(next);
    });
  }

  /** Starts deleting: answers with State Deleting; the mapping goes once its pollers have stopped. */
  delete(uuid: string): Promise<EventSourceMapping> {
    return this.lock.run(async () => {
      const current = this.mappings.get(uuid);
      if (!current) throw new ResourceNotFoundException(NOT_FOUND);
      const next = { ...copy(current), state: requestTransition(current, 'delete'), stateTransitionReason: 'USER_INITIATED', lastModified: this.deps.clock.now() };
      await this.commit(next);
      return copy(next);
    });
  }

  /** The pollers follow the mapping now: its transitional state ends (a deleted mapping goes). */
  settle(uuid: string): Promise<void> {
    return this.lock.run(async () => {
      const m = this.mappings.get(uuid);
      if (!m) return;
      const state = settledState(m);
      if (state === undefined) {
        await this.deps.store.deleteMapping(uuid);
        this.mappings.delete(uuid);
        this.emit(m, true);
      } else if (state !== m.state) {
        const next = { ...m, state };
        await this.deps.store.putMapping(next);
        this.mappings.set(uuid, next);
      }
    });
  }

  /** Records LastProcessingResult when it changes (`OK`, `PROBLEM: …`). */
  recordResult(uuid: string, result: string): Promise<void> {
    return this.lock.run(async () => {
      const m = this.mappings.get(uuid);
      if (!m || m.lastProcessingResult === result) return;
      const next = { ...m, lastProcessingResult: result };
      await this.deps.store.putMapping(next);
      this.mappings.set(uuid, next);
    });
  }

  private async commit(mapping: EventSourceMapping): Promise<void> {
    await this.deps.store.putMapping(mapping);
    this.mappings.set(mapping.uuid, mapping);
    this.emit(mapping, false);
  }

  private emit(mapping: EventSourceMapping, removed: boolean): void {
    for (const listener of this.listeners) listener(copy(mapping), removed);
  }

  private resolveFunction(functionName: string): { name: string; qualifier?: string; timeout: number } {
    const ref = parseFunctionName(functionName, this.deps.partition);
    const resolved = this.deps.functions.resolveSync(ref.name, ref.qualifier);
    if (!resolved) throw new ResourceNotFoundException(`Function not found: ${functionArn(this.deps.partition, ref.name, ref.qualifier)}`);
    return { name: ref.name, ...(ref.qualifier === undefined ? {} : { qualifier: ref.qualifier }), timeout: resolved.version.timeout };
  }

  private queueOf(arn: string): { fifo: boolean; visibilityTimeoutSeconds: number } {
    const name = this.deps.queues.queueNameOfArn(arn);
    const queue = name === undefined ? undefined : this.deps.queues.describe(name);
    if (!queue) throw new InvalidParameterValueException(NO_QUEUE);
    return queue;
  }

  /** Applies the settings a request gave (validated here against the rest of the mapping). */
  private applySettings(m: EventSourceMapping, input: MappingSettingsInput): void {
    if (input.batchSize !== undefined) m.batchSize = input.batchSize;
    if (input.maximumBatchingWindowInSeconds !== undefined) m.maximumBatchingWindowInSeconds = input.maximumBatchingWindowInSeconds;
    if (input.filters !== undefined) {
      const filters = checkFilters(input.filters);
      if (filters.length === 0) delete m.filters;
      else m.filters = filters;
    }
    if (input.functionResponseTypes !== undefined) m.reportBatchItemFailures = input.functionResponseTypes.includes('ReportBatchItemFailures');
    if (input.scalingConfig !== undefined) {
      if (input.scalingConfig.maximumConcurrency === undefined) delete m.maximumConcurrency;
      else m.maximumConcurrency = input.scalingConfig.maximumConcurrency;
    }
    const onFailure = input.destinationConfig?.onFailure;
    if (onFailure !== undefined) {
      if (onFailure === '') delete m.onFailure;
      else if (arnService(onFailure) !== 'sqs' || this.deps.queues.queueNameOfArn(onFailure) === undefined) {
        throw new InvalidParameterValueException(`The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=${onFailure})) is invalid. Gust sends an SQS mapping's failed batches to one of its SQS queues; ${onFailure} is not one.`);
      } else m.onFailure = onFailure;
    }
  }
}
