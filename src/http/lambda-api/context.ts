/**
 * What the Lambda API route modules are given: the services they call and the
 * partition that appears in ARNs. Built once by the composition root.
 */
import type { Partition } from '../../core/arn.js';
import type { FunctionService } from '../../control/function-service.js';
import type { LayerService } from '../../control/layer-service.js';
import type { InvokeService } from '../../invoke/invoke-service.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { LogStore } from '../../store/log-store.js';

export interface ApiContext {
  partition: Partition;
  functions: FunctionService;
  layers: LayerService;
  blobs: BlobStore;
  invoker: InvokeService;
  logs: LogStore;
  /** The server's own base URL (known only once it listens), for `Code.Location`. */
  baseUrl(): string;
}
