/**
 * `gust accounts`, `gust keys` and `gust audit`: the operator's commands. They work on the
 * server's state itself (server/admin.ts says why), so they take `--data-dir` and `--store`
 * like `gust serve` (GUST_DATA_DIR, default .gust; GUST_STORE, default sqlite) and need no
 * running server and no SDK. A cluster's operator adds `--blob-dir` (GUST_BLOB_DIR): the
 * nodes keep the key that seals access keys there (config.ts `keyDirOf`).
 */
import type { Command } from 'commander';

interface DataDirFlags {
  dataDir?: string;
  store?: string;
  blobDir?: string;
  json?: boolean;
}

function dataDirOf(flags: DataDirFlags): string {
  return flags.dataDir ?? process.env.GUST_DATA_DIR ?? '.gust';
}

/** Runs an admin action; a failure becomes the one `gust: …` line and exit code 1. */
async function run(cmd: Command, action: (flags: DataDirFlags, print: (text: string) => void) => Promise<void>): Promise<void> {
  try {
    await action(cmd.optsWithGlobals<DataDirFlags>(), (text) => process.stdout.write(`${text}\n`));
  } catch (err) {
    process.stderr.write(`gust: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

async function withKeys<T>(flags: DataDirFlags, use: (keys: import('../server/admin.js').AccessKeysOfDataDir) => Promise<T>): Promise<T> {
  const [{ openAccessKeys }, { loadConfig }] = await Promise.all([import('../server/admin.js'), import('../server/config.js')]);
  // The server's own reading of --data-dir, --store and their variables.
  const opened = await openAccessKeys(loadConfig({ dataDir: dataDirOf(flags), store: flags.store, blobDir: flags.blobDir }, process.env));
  try {
    return await use(opened.keys);
  } finally {
    await opened.close();
  }
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}

const iso = (ms: number) => new Date(ms).toISOString();

export function registerAdmin(program: Command): void {
  const dataDir = '--data-dir <dir>';
  const dataDirDoc = 'data directory of the server (env GUST_DATA_DIR, default .gust)';
  const store = '--store <sqlite|postgres://…>';
  const storeDoc = 'where the server keeps its state, as gust serve --store (env GUST_STORE, default sqlite)';
  const blobDir = '--blob-dir <dir>';
  const blobDirDoc = 'a cluster\'s shared blob dir, as gust serve --blob-dir (env GUST_BLOB_DIR): with a PostgreSQL --store, the key that seals access keys is kept there';

  const accounts = program.command('accounts').description('Accounts that access keys belong to (works on the server\'s state)');
  accounts
    .command('create')
    .description('Create an account (a random 12-digit id unless --id)')
    .option('--name <name>', 'a name to recognise it by')
    .option('--id <accountId>', 'the 12-digit account id to use')
    .option(dataDir, dataDirDoc)
    .option(store, storeDoc)
    .option(blobDir, blobDirDoc)
    .action(async (opts: { name?: string; id?: string }, cmd: Command) =>
      run(cmd, async (flags, print) => {
        const account = await withKeys(flags, (keys) => keys.createAccount({ name: opts.name, accountId: opts.id }));
        print(flags.json ? JSON.stringify(account, null, 2) : account.accountId);
      }),
    );
  accounts
    .command('ls')
    .description('List accounts')
    .option(dataDir, dataDirDoc)
    .option(store, storeDoc)
    .option(blobDir, blobDirDoc)
    .action(async (_opts: unknown, cmd: Command) =>
      run(cmd, async (flags, print) => {
        const list = await withKeys(flags, (keys) => keys.listAccounts());
        if (flags.json) return print(JSON.stringify(list, null, 2));
        print(list.length === 0 ? 'no accounts' : table(['ACCOUNT', 'NAME', 'CREATED'], list.map((a) => [a.accountId, a.name || '-', iso(a.createdAt)])));
      }),
    );

  const keys = program.command('keys').description('Access keys that sign requests (works on the server\'s state)');
  keys
    .command('create')
    .description('Create an access key for an account; its secret is printed once, here')
    .requiredOption('--account <accountId>', 'the account the key belongs to')
    .option(dataDir, dataDirDoc)
    .option(store, storeDoc)
    .option(blobDir, blobDirDoc)
    .action(async (opts: { account: string }, cmd: Command) =>
      run(cmd, async (flags, print) => {
        const key = await withKeys(flags, (k) => k.createKey(opts.account));
        if (flags.json) return print(JSON.stringify({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, AccountId: key.accountId }, null, 2));
        print(`AccessKeyId      ${key.accessKeyId}\nSecretAccessKey  ${key.secretAccessKey}\nAccount          ${key.accountId}\n(the secret is not shown again)`);
      }),
    );
  keys
    .command('ls')
    .description('List access keys (never their secrets)')
    .option('--account <accountId>', 'only this account’s keys')
    .option(dataDir, dataDirDoc)
    .option(store, storeDoc)
    .option(blobDir, blobDirDoc)
    .action(async (opts: { account?: string }, cmd: Command) =>
      run(cmd, async (flags, print) => {
        const list = await withKeys(flags, (k) => k.listKeys(opts.account));
        if (flags.json) return print(JSON.stringify(list, null, 2));
        print(list.length === 0 ? 'no access keys' : table(['ACCESS KEY', 'ACCOUNT', 'CREATED'], list.map((k) => [k.accessKeyId, k.accountId, iso(k.createdAt)])));
      }),
    );
  keys
    .command('rm')
    .description('Delete an access key: requests it signs are refused from now on')
    .argument('<accessKeyId>')
    .option(dataDir, dataDirDoc)
    .option(store, storeDoc)
    .option(blobDir, blobDirDoc)
    .action(async (id: string, _opts: unknown, cmd: Command) => run(cmd, async (flags) => withKeys(flags, (k) => k.removeKey(id))));

  program
    .command('audit')
    .description('Show the audit log: one line per mutating request (account, key, operation, resource, status)')
    .option('--since <when>', 'only entries since a duration ago (30m, 2h, 7d) or an ISO time')
    .option('--account <accountId>', 'only this account’s requests')
    .option(dataDir, dataDirDoc)
    .action(async (opts: { since?: string; account?: string }, cmd: Command) =>
      run(cmd, async (flags, print) => {
        const { readAuditLog } = await import('../server/admin.js');
        const entries = await readAuditLog(dataDirOf(flags), { since: opts.since === undefined ? undefined : sinceOf(opts.since), account: opts.account });
        if (flags.json) return print(JSON.stringify(entries, null, 2));
        print(entries.length === 0 ? 'no audit entries' : table(['TIME', 'ACCOUNT', 'ACCESS KEY', 'OPERATION', 'STATUS', 'RESOURCE'], entries.map((e) => [e.time, e.account ?? '-', e.accessKeyId ?? '-', e.operation, String(e.status), e.resource])));
      }),
    );
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration ago (`30m`) or an ISO time. */
function sinceOf(raw: string): number {
  const m = /^(\d+)([smhd])$/.exec(raw);
  if (m) return Date.now() - Number(m[1]) * UNITS[m[2]!]!;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new Error(`--since takes a duration (30m, 2h, 7d) or an ISO time, got '${raw}'`);
  return t;
}
