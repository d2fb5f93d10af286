import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

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
});
