import { describe, expect, it } from 'vitest';
import { ConfigError, OPTIONS, loadConfig, shownDefault } from './config.js';

describe('loadConfig', () => {
  it('uses the defaults', () => {
    expect(loadConfig({}, {})).toMatchObject({ host: '127.0.0.1', port: 9000, dataDir: '.gust', region: 'us-east-1', accountId: '000000000000' });
  });

  it('prefers flags over GUST_* variables over defaults', () => {
    const config = loadConfig({ port: '9100' }, { GUST_PORT: '9200', GUST_REGION: 'eu-west-1' });
    expect(config.port).toBe(9100);
    expect(config.region).toBe('eu-west-1');
  });

  it('names the option of a bad value', () => {
    expect(() => loadConfig({ port: 'x' }, {})).toThrow(new ConfigError("Invalid value 'x' for --port: expected an integer from 0 to 65535"));
    expect(() => loadConfig({}, { GUST_ACCOUNT_ID: '12' })).toThrow(/GUST_ACCOUNT_ID: expected twelve digits/);
  });

  it('refuses fewer sandbox uids than environments can run at once', () => {
    expect(() => loadConfig({ sandboxUidCount: '100', concurrencyLimit: '100' }, {})).toThrow(/--sandbox-uid-count 100 is smaller than --concurrency-limit 100 plus one/);
    expect(loadConfig({ sandboxUidCount: '101', concurrencyLimit: '100' }, {}).sandboxUidCount).toBe(101);
  });

  it('shows each default as the option is written, and reads it back as the default', () => {
    const keepAlive = OPTIONS.find((o) => o.key === 'keepAliveMs')!;
    expect(shownDefault(keepAlive)).toBe('10m');
    expect(shownDefault(OPTIONS.find((o) => o.key === 'asyncThrottleBaseMs')!)).toBe('1s');
    for (const spec of OPTIONS) expect(spec.parse(shownDefault(spec)), spec.flag).toEqual(spec.default);
  });

  it('reads --insecure-no-auth as a switch: the flag alone, or true/false in GUST_INSECURE_NO_AUTH', () => {
    expect(loadConfig({}, {}).insecureNoAuth).toBe(false);
    expect(loadConfig({ insecureNoAuth: true } as unknown as Record<string, string>, {}).insecureNoAuth).toBe(true);
    expect(loadConfig({}, { GUST_INSECURE_NO_AUTH: '1' }).insecureNoAuth).toBe(true);
    expect(() => loadConfig({}, { GUST_INSECURE_NO_AUTH: 'maybe' })).toThrow(/GUST_INSECURE_NO_AUTH: expected true or false/);
  });

  it('takes sqlite or a PostgreSQL URL as --store (GUST_STORE), sqlite by default', () => {
    expect(loadConfig({}, {}).store).toBe('sqlite');
    expect(loadConfig({}, { GUST_STORE: 'postgres://gust@db:5432/gust' }).store).toBe('postgres://gust@db:5432/gust');
    expect(loadConfig({ store: 'postgresql://127.0.0.1/gust' }, {}).store).toBe('postgresql://127.0.0.1/gust');
    expect(() => loadConfig({ store: 'mysql://db/gust' }, {})).toThrow(/--store: expected sqlite or a postgres:\/\/ URL/);
  });

  it('takes a NATS URL as --bus (GUST_BUS) only with a PostgreSQL store and a shared --blob-dir', () => {
    expect(loadConfig({}, {}).bus).toBe('');
    expect(loadConfig({ bus: 'nats://127.0.0.1:4222', store: 'postgres://db/gust', blobDir: '/shared/blobs' }, {}).bus).toBe('nats://127.0.0.1:4222');
    expect(() => loadConfig({ bus: 'nats://127.0.0.1:4222', store: 'postgres://db/gust' }, {})).toThrow(
      new ConfigError('--bus needs --blob-dir: a directory every node of the cluster mounts, for code, object bytes and the key files'),
    );
    expect(() => loadConfig({}, { GUST_BUS: 'nats://127.0.0.1:4222' })).toThrow(new ConfigError("--bus needs --store postgres://…: the nodes of a cluster keep their state in one PostgreSQL database (SQLite is one process's)"));
    expect(() => loadConfig({ bus: 'amqp://x' }, {})).toThrow(/--bus: expected a nats:\/\/ URL/);
  });
});
