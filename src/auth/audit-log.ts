/**
 * The audit log: one JSON line per mutating request (who: account and access key; what:
 * operation and resource; how it ended: status), appended to `<dataDir>/audit.log`, and
 * read back by `gust audit`. A file of its own rather than a table: appends never contend
 * with the control plane's SQLite writers, an operator can ship or rotate it with the
 * usual tools, and a line is in the kernel's hands as soon as the stream writes it (a
 * crash of Gust loses at most the lines queued in the last event-loop turn; a power cut
 * what the OS had not yet written back).
 */
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface AuditEntry {
  time: string;
  requestId: string;
  /** Null on an open server for an unsigned request. */
  account: string | null;
  accessKeyId: string | null;
  operation: string;
  resource: string;
  status: number;
}

/** Appends entries to the log file. */
export class AuditLog {
  private readonly out: WriteStream;

  constructor(path: string) {
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // A failing disk must not end the server: the data-disk watch reports it.
    this.out.on('error', () => undefined);
  }

  write(entry: AuditEntry): void {
    this.out.write(`${JSON.stringify(entry)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}

export interface AuditFilter {
  /** Entries at or after this time (ms since the epoch). */
  since?: number | undefined;
  account?: string | undefined;
}

/** The entries of the log at `path` that pass the filter, oldest first. */
export async function readAudit(path: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  if (!existsSync(path)) return [];
  const entries: AuditEntry[] = [];
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let entry: AuditEntry;
    try {
      entry = JSON.parse(line) as AuditEntry;
    } catch {
      continue; // a line cut by a crash
    }
    if (filter.since !== undefined && Date.parse(entry.time) < filter.since) continue;
    if (filter.account !== undefined && entry.account !== filter.account) continue;
    entries.push(entry);
  }
  return entries;
}
