/**
 * What the metrics read at scrape time, as the composition root hands it over: views of
 * the open account spaces and of the shared buckets, shaped by what they report, so that
 * src/metrics/ needs nothing from src/server/ or the services themselves.
 */

/** One account space, read when Prometheus scrapes. */
export interface SpaceView {
  accountId: string;
  /** Invocations running now, and the account's limit (pool.counting.stats()). */
  concurrency(): { inFlight: number; accountLimit: number };
  /** Of those, the ones running on provisioned environments (pool.counting.provisionedInFlight()). */
  provisionedInFlight(): number;
  /** The async queue's totals (AsyncQueue.totalStats()). */
  asyncTotals(): {
    queued: number;
    inFlight: number;
    retrying: number;
    oldestEventAgeMs: number;
    counters: { enqueued: number; retries: number; throttles: number; failed: number; deadLettered: number };
  };
  /** Event source mappings and their pollers (MappingRunner.report()). */
  mappings(): { uuid: string; functionArn: string; pollers: number; batchesInFlight: number }[];
  /** SQS queues' message counts (QueueService.report()). */
  queues(): { name: string; visible: number; inFlight: number; delayed: number }[];
}

export interface MetricsSources {
  spaces(): SpaceView[];
  /** Every bucket with its owner and usage (S3Service.report()). */
  buckets(): Promise<{ name: string; owner: string; objects: number; bytes: number }[]>;
  /** Invocations of one function running now, in its account's pool. */
  running(accountId: string, functionName: string): number;
  /** The sandboxes the driver keeps booted ahead, per language runtime (SandboxDriver.readySandboxes()). */
  readySandboxes(): { runtime: string; waiting: number; booting: number; target: number; memoryBytes: number }[];
}
