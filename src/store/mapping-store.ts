/**
 * The MappingStore keeps Lambda event source mappings. Every implementation must pass
 * `runMappingStoreContract` in mapping-store.contract.ts.
 *
 * Rules every implementation keeps:
 * - Reads return copies.
 * - Putting a mapping whose UUID is stored replaces it; deleting a UUID that is not stored
 *   is a no-op.
 * - A `put` that resolved is durable.
 */
import type { EventSourceMapping } from '../core/model/event-source-mappings.js';

export interface MappingStore {
  /** Every mapping, ordered by UUID. */
  listMappings(): Promise<EventSourceMapping[]>;
  putMapping(mapping: EventSourceMapping): Promise<void>;
  deleteMapping(uuid: string): Promise<void>;
  close(): Promise<void>;
}
