/**
 * Runs the pollers of every event source mapping and keeps them in step with the control
 * plane: an enabled mapping polls, a disabled one never does, an updated one restarts with
 * its new settings, a deleted one stops; after each change the mapping's transitional
 * State is settled (Creating → Enabled, Disabling → Disabled, Deleting → gone). Mappings
 * are read back at start-up, so they resume after a restart. The function's reserved
 * concurrency caps each mapping's pollers and follows every change to it.
 */
import type { Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import type { EventSourceMapping } from '../../core/model/event-source-mappings.js';
import { KeyedMutex } from '../../core/primitives.js';
import type { MappingService } from '../../control/event-source-mappings/mapping-service.js';
import type { FunctionService } from '../../control/function-service.js';
import type { QueueService } from '../../control/sqs/queue-service.js';
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import { MappingPoller, type PollerReport } from './mapping-poller.js';
import { MAX_POLLERS } from './scaling.js';

export interface MappingRunnerDeps {
  mappings: MappingService;
  queues: QueueService;
  invoker: { invoke(request: InvokeRequest): Promise<InvokeResult> };
  functions: Pick<FunctionService, 'getFunctionSync' | 'onChange'>;
  partition: Partition;
  clock: Clock;
  report: (err: unknown, context: string) => void;
}

/** A mapping and what its pollers are doing, for `GET /gust/mappings`. */
export interface MappingReport extends PollerReport {
  uuid: string;
  functionArn: string;
  eventSourceArn: string;
  state: string;
}

export class MappingRunner {
  private readonly pollers = new Map<string, MappingPoller>();
  private readonly locks = new KeyedMutex();
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly deps: MappingRunnerDeps) {}

  /** Starts every enabled mapping and follows changes from now on; again after a stop (a cluster node that took the queues back). */
  async start(): Promise<void> {
    if (this.unsubscribe.length > 0) return;
    this.stopped = false;
    const { mappings, queues, functions } = this.deps;
    this.unsubscribe.push(
      mappings.onChange((m, removed) => {
        if (!removed) void this.apply(m);
      }),
      queues.onChange((name, change) => {
        if (change !== 'created') return;
        for (const [uuid, poller] of this.pollers) if (this.deps.queues.queueNameOfArn(this.mapping(uuid)?.eventSourceArn ?? '') === name) poller.queueCreated();
      }),
      functions.onChange((name, change) => {
        if (change.kind !== 'concurrency') return;
        for (const [uuid, poller] of this.pollers) {
          const m = this.mapping(uuid);
          if (m?.functionName === name) poller.setCap(this.capOf(m));
        }
      }),
    );
    await Promise.all(mappings.all().map((m) => this.apply(m)));
  }

  /** Stops every poller (batches in flight finish first). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    this.pollers.clear();
  }

  report(): MappingReport[] {
    return this.deps.mappings.all().map((m) => ({
      uuid: m.uuid,
      functionArn: this.deps.mappings.functionArn(m),
      eventSourceArn: m.eventSourceArn,
      state: m.state,
      ...(this.pollers.get(m.uuid)?.report() ?? { pollers: 0, batchesInFlight: 0, history: [] }),
    }));
  }

  private mapping(uuid: string): EventSourceMapping | undefined {
    return this.deps.mappings.all().find((m) => m.uuid === uuid);
  }

  /** The most pollers a mapping may run: MaximumConcurrency, and the function's reserved concurrency. */
  private capOf(m: EventSourceMapping): number {
    const reserved = this.deps.functions.getFunctionSync(m.functionName)?.reservedConcurrency;
    return Math.min(m.maximumConcurrency ?? MAX_POLLERS, reserved ?? MAX_POLLERS);
  }

  /** Brings a mapping's pollers in line with it, then settles its State. One change at a time per mapping. */
  private apply(m: EventSourceMapping): Promise<void> {
    return this.locks
      .run(m.uuid, async () => {
        if (this.stopped) return;
        const running = this.pollers.get(m.uuid);
        if (running) {
          this.pollers.delete(m.uuid);
          await running.stop();
        }
        const queueName = this.deps.queues.queueNameOfArn(m.eventSourceArn);
        if (m.state !== 'Deleting' && m.enabled && !this.stopped) {
          const poller = new MappingPoller({
            mapping: m,
            queueName: queueName ?? m.eventSourceArn.split(':').pop()!,
            queueArn: m.eventSourceArn,
            functionArn: this.deps.mappings.functionArn(m),
            region: this.deps.partition.region,
            queues: this.deps.queues,
            invoke: (request) => this.deps.invoker.invoke(request),
            cap: this.capOf(m),
            clock: this.deps.clock,
            recordResult: (result) => void this.deps.mappings.recordResult(m.uuid, result).catch((err: unknown) => this.deps.report(err, `recording the result of mapping ${m.uuid}`)),
            report: this.deps.report,
          });
          this.pollers.set(m.uuid, poller);
          poller.start();
        }
        await this.deps.mappings.settle(m.uuid);
      })
      .catch((err: unknown) => this.deps.report(err, `applying event source mapping ${m.uuid}`));
  }
}
