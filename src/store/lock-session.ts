/**
 * Leases shared by the nodes of a cluster: named locks, each with numbered slots, that one
 * node at a time may hold. A node holds its locks through one session with the shared
 * database; when that session ends (the node stopped, was killed, or lost its connection)
 * every lock it held is free for another node at once, and the node is told (`onLost`) so
 * that it stops acting as a holder. A single node has no such session: it holds everything.
 */

export interface LockSession {
  /**
   * Takes slot `slot` of lock `key` if no session holds it; false when another session
   * does, when this session already does (the caller tracks what it holds), and while the
   * session is lost (nothing is held without one).
   */
  tryLock(key: string, slot: number): Promise<boolean>;
  /**
   * Takes the first free slot of `0..count-1` of lock `key` in one round trip: its number, or
   * undefined when every slot is held (by other sessions or this one) and while the session
   * is lost. Two takes of one key by this session never both get one slot. A lock name is
   * taken either with this or with `tryLock`, not both.
   */
  tryLockFirst(key: string, count: number): Promise<number | undefined>;
  /** Gives back a slot this session holds; a slot it does not hold (or lost with the session) is a no-op. */
  unlock(key: string, slot: number): Promise<void>;
  /** Called each time the session is lost: every slot this node held is gone already. */
  onLost(listener: () => void): void;
  /** Ends the session, freeing every slot; no reconnection follows. */
  close(): Promise<void>;
}
