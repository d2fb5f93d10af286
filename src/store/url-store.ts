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
import type { UrlConfig } from '../core/model/urls.js';

export interface UrlStore {
  /** Every configuration, ordered by function name, then qualifier (unqualified first); with `functionName`, that function's alone. */
  listUrlConfigs(functionName?: string): Promise<UrlConfig[]>;
  /** Creates or replaces the configuration with `config.urlId`. */
  putUrlConfig(config: UrlConfig): Promise<void>;
  deleteUrlConfig(urlId: string): Promise<void>;
  close(): Promise<void>;
}
