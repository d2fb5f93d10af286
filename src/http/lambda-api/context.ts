/**
 * What the Lambda API route modules are given: the services they call and the
 * partition that appears in ARNs. Built once by the composition root.
 */
import type { Partition } from '../../core/arn.js';
import type { FunctionService } from '../../control/function-service.js';
import type { LayerService } from '../../control/layer-service.js';
import type { UrlService } from '../../control/url-service.js';
import type { EventInvokeConfigService } from '../../control/event-invoke-config-service.js';
import type { MappingService } from '../../control/event-source-mappings/mapping-service.js';
import type { AsyncQueue } from '../../invoke/async/async-queue.js';
import type { InvokeService } from '../../invoke/invoke-service.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { LogStore } from '../../store/log-store.js';
import type { UrlCredential } from '../function-urls/url-sigv4.js';

export interface ApiContext {
  partition: Partition;
  functions: FunctionService;
  layers: LayerService;
  blobs: BlobStore;
  invoker: InvokeService;
  logs: LogStore;
  /** Function URL configurations, for their API and for routing requests to URLs. */
  urls: UrlService;
  /** The access keys whose SigV4 signatures AWS_IAM function URLs accept. */
  urlCredentials: readonly UrlCredential[];
  /** Asynchronous invocation settings per function, version or alias. */
  eventInvokeConfigs: EventInvokeConfigService;
  /** Event source mappings (SQS queues to functions). */
  mappings: MappingService;
  /** The async event queue, for `gust events`. */
  asyncQueue: Pick<AsyncQueue, 'describe' | 'functionStats' | 'totalStats'>;
  /** The server's own base URL (known only once it listens), for `Code.Location`. */
  baseUrl(): string;
}
