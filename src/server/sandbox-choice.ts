/**
 * Which sandbox driver runs the functions, decided once at start-up from `--sandbox`:
 * `namespace` must work or the server does not start; `process` is taken as asked; `auto`
 * (the default) takes the namespace driver wherever this host supports it and says why not
 * when it falls back to the process driver, which isolates nothing (trusted code only).
 */
import type { Logger } from 'pino';
import type { CgroupHost } from '../sandbox/cgroups/index.js';
import type { RelayTarget } from '../sandbox/socket-relay.js';
import { setUpNamespaceDriver } from '../sandbox/namespace/namespace-setup.js';
import { SandboxUnavailableError } from '../sandbox/namespace/sandbox-host.js';
import type { SandboxDriver } from '../sandbox/sandbox-driver.js';
import { ConfigError, type GustConfig } from './config.js';

export interface SandboxChoiceInput {
  config: Pick<GustConfig, 'sandbox' | 'sandboxUid' | 'sandboxGid' | 'sandboxUidCount' | 'readySandboxes' | 'concurrencyLimit' | 'sandboxTmp' | 'sandboxNetwork' | 'sandboxSubnet' | 'sandboxDns' | 'sandboxDeny' | 'hostNetworks'>;
  dataDir: string;
  /** Where the drivers make their per-environment directories. */
  envTmp: string;
  /** Directories sandboxes bind from besides the data directory (the runtimes directory). */
  bindRoots?: readonly string[];
  cgroups: CgroupHost | undefined;
  /** Where Gust's API listens, for the sandboxes' road to it (asked once it listens). */
  api: () => RelayTarget;
  /** Where the namespace driver's files move once the sandbox volume is mounted (sandbox-volume.ts). */
  volumeState?: Promise<string> | undefined;
  /** The process driver, as the composition root builds it. */
  processDriver: () => SandboxDriver;
  logger: Logger;
}

export async function chooseSandboxDriver(input: SandboxChoiceInput): Promise<SandboxDriver> {
  const { config, logger } = input;
  if (config.sandbox === 'process') {
    logger.warn({ sandbox: 'process' }, 'sandbox: process, as --sandbox asks; functions run as plain child processes with Gust\'s own rights and the host\'s network (trusted code only)');
    return input.processDriver();
  }
  try {
    const identity = { uid: config.sandboxUid, gid: config.sandboxGid };
    const network =
      config.sandboxNetwork === 'egress'
        ? { range: config.sandboxSubnet, dns: config.sandboxDns, denied: config.sandboxDeny, networks: config.hostNetworks, api: input.api }
        : undefined;
    const driver = await setUpNamespaceDriver({ dataDir: input.dataDir, workRoot: input.envTmp, identity, identities: config.sandboxUidCount, readySandboxes: config.readySandboxes, readyUidsKept: config.concurrencyLimit, onReadyFailure: (err, what) => logger.warn({ err }, `ready sandbox: ${what}`), onBytecodeFailure: (err) => logger.warn({ err }, 'the Python bootstrap could not be byte-compiled: each Python start compiles it'), tmpOnDisk: config.sandboxTmp === 'disk', cgroups: input.cgroups, network, volumeState: input.volumeState, ...(input.bindRoots ? { bindRoots: input.bindRoots } : {}) });
    const reach = `${driver.network ? `outbound network through the host, gateway ${driver.network.plan.gateway}` : 'loopback only'}, /tmp ${driver.tmpOnDisk ? 'on disk' : 'in memory (no loop devices or mkfs.ext4)'}`;
    logger.info({ sandbox: 'namespace', uid: identity.uid, gid: identity.gid, uids: config.sandboxUidCount, network: config.sandboxNetwork, gateway: driver.network?.plan.gateway, slot: driver.network?.plan.slot }, `sandbox: namespace (bubblewrap; functions run isolated, each environment as its own uid from ${identity.uid}, ${reach})${config.sandbox === 'auto' ? ', the default where the host supports it' : ''}`);
    return driver;
  } catch (err) {
    if (!(err instanceof SandboxUnavailableError)) throw err;
    if (config.sandbox === 'namespace') throw new ConfigError(`--sandbox namespace does not work on this host: ${err.message}`);
    logger.warn({ sandbox: 'process', reason: err.message }, `sandbox: process (trusted code only, on the host's network): the namespace driver does not work on this host: ${err.message}`);
    return input.processDriver();
  }
}
