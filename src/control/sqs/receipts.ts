/**
 * Receipt handles: which message, in which queue, and which receive of it. A handle names
 * the receive by the message's receive count at that moment, so a handle from an earlier
 * receive is recognised as stale, as SQS does (deleting with it succeeds on a standard
 * queue without deleting; FIFO queues refuse it). The same receive always has the same
 * handle, which a FIFO receive retried with its attempt id must return again.
 */

export interface Receipt {
  queue: string;
  seq: number;
  receiveCount: number;
}

const PREFIX = 'gust1';

export function encodeReceipt(r: Receipt): string {
  return Buffer.from(`${PREFIX}\n${r.queue}\n${r.seq}\n${r.receiveCount}`, 'utf8').toString('base64');
}

/** The receipt a handle names; undefined when it is not one of Gust's handles. */
export function decodeReceipt(handle: string): Receipt | undefined {
  if (handle.length === 0 || handle.length > 1024 || !/^[A-Za-z0-9+/]+={0,2}$/.test(handle)) return undefined;
  const parts = Buffer.from(handle, 'base64').toString('utf8').split('\n');
  if (parts.length !== 4 || parts[0] !== PREFIX || !/^[0-9]{1,15}$/.test(parts[2]!) || !/^[0-9]{1,9}$/.test(parts[3]!)) return undefined;
  return { queue: parts[1]!, seq: Number(parts[2]), receiveCount: Number(parts[3]) };
}
