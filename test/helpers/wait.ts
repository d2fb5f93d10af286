/** Polling until something holds, for the suites that watch processes, files and servers settle. */

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls `cond` until it holds; fails after `timeoutMs`, naming `what` it waited for. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  await waitFor(what, async () => ((await cond()) ? true : undefined), timeoutMs, 10);
}
