import { describe, expect, it } from 'vitest';
import { ConsoleSessions, SESSION_TTL_MS } from './console-sessions.js';

function sessions(start = 1_000_000) {
  const keys = new Map([['AKIAEXAMPLE', { accountId: '111111111111', secretAccessKey: 'secret' }]]);
  let now = start;
  const s = new ConsoleSessions({ key: Buffer.alloc(32, 7), keys: { lookup: async (id) => keys.get(id) }, now: () => now });
  return { s, keys, advance: (ms: number) => (now += ms) };
}

describe('ConsoleSessions', () => {
  it('signs in with the key’s own secret only', async () => {
    const { s } = sessions();
    expect(await s.signIn('AKIAEXAMPLE', 'wrong')).toBeUndefined();
    expect(await s.signIn('AKIANOSUCHKEY', 'secret')).toBeUndefined();
    const session = await s.signIn('AKIAEXAMPLE', 'secret');
    expect(session?.caller).toEqual({ accountId: '111111111111', accessKeyId: 'AKIAEXAMPLE', kind: 'key' });
    expect(session?.token).not.toContain('secret');
    expect(await s.callerOf(session!.token)).toEqual(session!.caller);
  });

  it('refuses a tampered, foreign, expired or orphaned token', async () => {
    const { s, keys, advance } = sessions();
    const { token } = (await s.signIn('AKIAEXAMPLE', 'secret'))!;
    const [payload, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ a: '222222222222', k: 'AKIAEXAMPLE', e: Date.now() * 2 })).toString('base64url');
    expect(await s.callerOf(`${forged}.${mac}`)).toBeUndefined();
    expect(await s.callerOf(`${payload}.${mac.slice(1)}`)).toBeUndefined();
    expect(await s.callerOf('garbage')).toBeUndefined();
    const other = new ConsoleSessions({ key: Buffer.alloc(32, 8), keys: { lookup: async () => undefined }, now: () => 0 });
    expect(await other.callerOf(token)).toBeUndefined();
    advance(SESSION_TTL_MS - 1);
    expect(await s.callerOf(token)).toBeDefined();
    keys.delete('AKIAEXAMPLE');
    expect(await s.callerOf(token)).toBeUndefined();
    keys.set('AKIAEXAMPLE', { accountId: '111111111111', secretAccessKey: 'secret' });
    advance(1);
    expect(await s.callerOf(token)).toBeUndefined();
  });
});
