/**
 * Lambda event source mappings (CreateEventSourceMapping and its siblings), as Gust keeps
 * them: SQS sources only. AWS's names appear at the HTTP edge; here they are camelCase.
 * https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html
 */

/**
 * AWS's State lifecycle: `Creating`, `Enabling` and `Updating` end in `Enabled` or
 * `Disabled` once the pollers follow the new settings; `Disabling` ends in `Disabled`;
 * `Deleting` ends with the mapping gone.
 */
export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';

export interface EventSourceMapping {
  /** AWS's UUID, the mapping's identifier. */
  uuid: string;
  /** The queue's ARN: `arn:aws:sqs:<region>:<account>:<queue>`. */
  eventSourceArn: string;
  functionName: string;
  /** A version or alias the mapping invokes; undefined for the unqualified function. */
  qualifier?: string;
  /** Records per invocation (1–10,000; FIFO queues at most 10). */
  batchSize: number;
  /** How long to gather records before invoking, 0–300 seconds. */
  maximumBatchingWindowInSeconds: number;
  /** EventBridge patterns, any of which a record must match to reach the function. */
  filters?: string[];
  /** `ReportBatchItemFailures` when the function reports failed items instead of failing the batch. */
  reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency (2–1,000); undefined when not set. */
  maximumConcurrency?: number;
  /** A Gust extension: the SQS queue that receives a record of each failed batch. */
  onFailure?: string;
  /** Whether the user wants the mapping to poll (Enabled); State says where it is. */
  enabled: boolean;
  state: MappingState;
  /** AWS's `StateTransitionReason`: `USER_INITIATED` for every change a request made. */
  stateTransitionReason: string;
  /** AWS's `LastProcessingResult`: `No records processed`, `OK` or `PROBLEM: …`. */
  lastProcessingResult: string;
  tags: Record<string, string>;
  /** ms since the epoch. */
  lastModified: number;
}
