/**
 * Reads the error document a runtime posts to `/invocation/{id}/error` or `/init/error`.
 * The official runtime clients send a JSON object (`{errorType, errorMessage, trace|stackTrace}`)
 * and no `Lambda-Runtime-Function-Error-Type` header, so the type is taken from the header when
 * there is one, else from the body, else `Unhandled` (what Lambda reports for an untyped error).
 */

export interface NormalisedError {
  /** The body unchanged when it is a JSON object; else a JSON object built around it. */
  payload: Buffer;
  errorType: string;
}

/** Normalises a posted error body; `headerType` is the `Lambda-Runtime-Function-Error-Type` value. */
export function normaliseErrorPayload(body: Buffer, headerType: string | undefined): NormalisedError {
  let parsed: unknown;
  let isJson = false;
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
      isJson = true;
    } catch {
      // Not JSON: wrapped below.
    }
  }
  const object = isJson && parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const bodyType = typeof object?.errorType === 'string' && object.errorType !== '' ? object.errorType : undefined;
  const errorType = headerType !== undefined && headerType !== '' ? headerType : (bodyType ?? 'Unhandled');
  if (object) return { payload: body, errorType };
  const errorMessage = isJson && typeof parsed === 'string' ? parsed : body.toString('utf8');
  return { payload: Buffer.from(JSON.stringify({ errorType, errorMessage })), errorType };
}
