/** Function logs, as CloudWatch Logs arranges them: groups of streams of events. */

/** One log line as a runtime or the platform wrote it. */
export interface LogEvent {
  logGroup: string;
  logStream: string;
  /** Milliseconds since the epoch when the line was produced. */
  timestamp: number;
  /** The line, without its trailing newline. */
  message: string;
}
