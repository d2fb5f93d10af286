/**
 * The UrlStore keeps function URL configurations: one per function (unqualified) or per
 * alias, each with the url-id that appears in its host name. Every implementation must
 * pass `runUrlStoreContract` in url-store.contract.ts.
 *
 * Rules every implementation keeps:
 * - Reads return copies.
 * - A url-id names one configuration, and a (function, qualifier) pair has at most one:
 *   `put` of a second configuration for the same pair under another url-id is refused with
 *   ResourceConflictException.
 * - Deleting something that is not stored is a no-op.
 */

export type UrlAuthType = 'NONE' | 'AWS_IAM';
export type UrlInvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

/** AWS's `Cors` structure, camelCased; absent members were not given. */
export interface UrlCors {
  allowCredentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  allowOrigins?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

/** One function URL configuration. */
export interface UrlConfig {
  /** 32 lower-case alphanumerics; the first label of the URL's host name. Never changes. */
  urlId: string;
  functionName: string;
  /** The alias the URL invokes; undefined for the unqualified function (`$LATEST`). */
  qualifier?: string;
  authType: UrlAuthType;
  cors?: UrlCors;
  /** Absent until a request sets it, as AWS leaves it out of its answers. */
  invokeMode?: UrlInvokeMode;
  /** ISO-8601 timestamps. */
  creationTime: string;
  lastModifiedTime: string;
}

export interface UrlStore {
  /** Every configuration, ordered by function name, then qualifier (unqualified first). */
  listUrlConfigs(): Promise<UrlConfig[]>;
  /** Creates or replaces the configuration with `config.urlId`. */
  putUrlConfig(config: UrlConfig): Promise<void>;
  deleteUrlConfig(urlId: string): Promise<void>;
  close(): Promise<void>;
}
