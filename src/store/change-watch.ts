/**
 * Word that what a store holds changed, from whichever process wrote it (another node, or
 * `gust keys` run by an operator), for caches kept in front of it. A cache stamps each entry
 * with the `generation` it read under and trusts it only while the watch is `live` and the
 * generation has not moved: every change and every reconnection moves it, so an entry read
 * before a change, or while the watch could have missed one, is read again.
 */
export interface ChangeWatch {
  /** Whether changes are being heard now; false while the connection is lost. */
  readonly live: boolean;
  /** Moves on every change heard and every (re)connection. */
  readonly generation: number;
  close(): Promise<void>;
}
