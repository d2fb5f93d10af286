/**
 * What a function's answer means for a batch under `ReportBatchItemFailures`, as AWS
 * documents it: no answer, an empty object, a missing, null or empty `batchItemFailures`
 * mean the whole batch succeeded; listed `itemIdentifier`s failed and the rest succeeded;
 * an answer that is not JSON, a `batchItemFailures` that is not a list, or an item whose
 * identifier is missing, empty, not a string or not a message of the batch fails the
 * whole batch.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */

export type BatchOutcome = { kind: 'succeeded' } | { kind: 'items-failed'; failed: Set<string> } | { kind: 'batch-failed'; reason: string };

export function batchOutcome(payload: Buffer, messageIds: ReadonlySet<string>): BatchOutcome {
  const text = payload.toString('utf8').trim();
  if (text === '' || text === 'null') return { kind: 'succeeded' };
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { kind: 'batch-failed', reason: 'the function answered with something that is not JSON' };
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return { kind: 'succeeded' };
  const items = (answer as Record<string, unknown>).batchItemFailures;
  if (items === undefined || items === null) return { kind: 'succeeded' };
  if (!Array.isArray(items)) return { kind: 'batch-failed', reason: 'batchItemFailures is not a list' };
  const failed = new Set<string>();
  for (const item of items) {
    const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') return { kind: 'batch-failed', reason: 'an item of batchItemFailures has no itemIdentifier' };
    if (!messageIds.has(id)) return { kind: 'batch-failed', reason: `itemIdentifier ${id} is not a message of the batch` };
    failed.add(id);
  }
  return failed.size === 0 ? { kind: 'succeeded' } : { kind: 'items-failed', failed };
}
