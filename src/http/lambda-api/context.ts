/**
 * What the Lambda API's route modules call, declared by them: the operations of the
 * control-plane services they use, the invoke path, and views of the code packages and
 * logs (http/ does not import store/). The composition root hands in the concrete
 * services, which have these shapes.
 */
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../auth/caller.js';
import type { Partition } from '../../core/arn.js';
import type { LogEvent } from '../../core/model/logs.js';
import type { EventInvokeConfigService } from '../../control/event-invoke-config-service.js';
import type { FunctionService } from '../../control/function-service.js';
import type { LayerService } from '../../control/layer-service.js';
import type { UrlService } from '../../control/url-service.js';
import type { MappingService } from '../../control/event-source-mappings/mapping-service.js';
import type { AsyncQueue } from '../../invoke/async/async-queue.js';
import type { InvokeService } from '../../invoke/invoke-service.js';
import type { ProvisionedConcurrency } from '../../invoke/provisioned-concurrency.js';

/** See LambdaApiContext.codeUrls. */
export interface CodeUrls {
  /** `X-Gust-Expires=…&X-Gust-Signature=…` for `hash`, or '' when the server is open. */
  query(hash: string): string;
  /** Whether this download of `hash` may go ahead: a valid location query, or a verified signature. */
  allows(request: FastifyRequest, hash: string): Promise<boolean>;
}

/** Stored code packages, by content hash, for `GET /gust/code/{hash}.zip`. */
export interface CodePackages {
  /** The package's size, or undefined when no package has this hash. */
  stat(hash: string): Promise<{ size: number } | undefined>;
  /** The zip's path on disk. */
  zipPath(hash: string): string;
}

/** Function logs, for `GET /gust/logs/{FunctionName}`. */
export interface FunctionLogs {
  /** The log groups that hold events. */
  listGroups(): Promise<{ logGroup: string }[]>;
  /** Makes every event appended so far visible to `query`. */
  flush(): Promise<void>;
  /** One page of a group's events, oldest first, and the cursor to continue from. */
  query(query: { logGroup: string; since?: number; limit?: number; after?: string }): Promise<{ events: LogEvent[]; cursor: string }>;
}

export interface LambdaApiContext {
  partition: Partition;
  functions: Pick<
    FunctionService,
    | 'createFunction'
    | 'listFunctions'
    | 'getFunction'
    | 'getFunctionSync'
    | 'updateFunctionCode'
    | 'updateFunctionConfiguration'
    | 'deleteFunction'
    | 'publishVersion'
    | 'listVersions'
    | 'createAlias'
    | 'getAlias'
    | 'listAliases'
    | 'updateAlias'
    | 'deleteAlias'
    | 'putFunctionConcurrency'
    | 'getFunctionConcurrency'
    | 'deleteFunctionConcurrency'
    | 'tagResource'
    | 'untagResource'
    | 'listTags'
    | 'getAccountSettings'
    | 'permitsSync'
    | 'addPermission'
    | 'removePermission'
    | 'getPolicy'
  >;
  layers: Pick<LayerService, 'publish' | 'get' | 'getByArn' | 'listLayers' | 'listVersions' | 'delete'>;
  /** Function URL configurations: their API (routing requests to URLs is function-urls/'s). */
  urls: Pick<UrlService, 'create' | 'get' | 'update' | 'delete' | 'list' | 'functionArn'>;
  /** Asynchronous invocation settings per function, version or alias. */
  eventInvokeConfigs: Pick<EventInvokeConfigService, 'put' | 'update' | 'get' | 'delete' | 'list' | 'functionArn'>;
  /** Event source mappings (SQS queues to functions): their API (the pollers are triggers/sqs/'s). */
  mappings: Pick<MappingService, 'create' | 'get' | 'update' | 'delete' | 'list' | 'functionArn'>;
  /** Provisioned concurrency configurations, with their allocation. */
  provisioned: Pick<ProvisionedConcurrency, 'put' | 'get' | 'delete' | 'list'>;
  invoker: Pick<InvokeService, 'invoke'>;
  /** The async event queue, for `gust events`. */
  asyncQueue: Pick<AsyncQueue, 'describe' | 'totalStats'>;
  code: CodePackages;
  /**
   * Code locations on a server that verifies requests: a query that lets the location be
   * fetched without signing (empty on an open server), and the check of a download.
   */
  codeUrls?: CodeUrls | undefined;
  logs: FunctionLogs;
  /** The server's own base URL (known only once it listens), for `Code.Location`. */
  baseUrl(): string;
}

/**
 * The Lambda API's contexts, one per account: the caller's for every route, and another
 * account's for a cross-account Invoke of a function ARN.
 */
export interface LambdaApiSpaces {
  /** The context of the account the request acts in (its verified caller's). */
  of(request: FastifyRequest): LambdaApiContext;
  /** The same for a caller (undefined on a server without auth): the context its requests act in. */
  ofCaller(caller: Caller | undefined): LambdaApiContext;
  /** The context of `accountId`, or undefined when that account has no resources here. */
  ofAccount(accountId: string): LambdaApiContext | undefined;
}
