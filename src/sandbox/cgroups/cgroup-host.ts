/**
 * The cgroups of one Gust server. Every environment gets `<instance>/<name>` under the
 * `gust` directory in Gust's own cgroup of each hierarchy in use; the instance directory
 * names the server (instance.ts), so that `sweep` can tell leftovers of a killed server
 * from the live directories of another server on the same host.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { removeCgroupDir } from './cgroupfs.js';
import type { CgroupHost, CgroupLimits, CgroupSupport, EnvironmentCgroup } from './cgroup-types.js';
import { CgroupEnvironment, type Placement, type Placements } from './environment-cgroup.js';
import { isLeftover } from '../server-instance.js';
import type { Watchdog } from './watchdog.js';

/** The background cgroup's name among the environments' (theirs are environment ids). */
const BACKGROUND = 'gust-background';
/** The least CPU weight v1 takes (v2's 1, after conversion). */
const LEAST_SHARES = 2;
/** The v1 freezer's anchor among the environments' cgroups (see {@link GustCgroupHost.anchorFreezer}). */
export const FREEZER_ANCHOR = 'gust-freezer-anchor';
/** The server's own cgroups beside the environments', each in the one hierarchy it exists in. */
const OWN_CGROUPS: Record<string, keyof Placements> = { [BACKGROUND]: 'cpu', [FREEZER_ANCHOR]: 'freezer' };

export class GustCgroupHost implements CgroupHost {
  private readonly live = new Set<CgroupEnvironment>();
  private background: string | null | undefined;

  /**
   * @param gustDirs the `gust` directory of each hierarchy in use, parent of every instance.
   * @param placements where each usable controller lives (inside this server's instance directories).
   */
  constructor(
    readonly support: CgroupSupport,
    private readonly instance: string,
    private readonly gustDirs: readonly string[],
    private readonly placements: Placements,
    private readonly watchdog?: Watchdog,
  ) {}

  async create(name: string, limits: CgroupLimits): Promise<EnvironmentCgroup> {
    const env = await CgroupEnvironment.create(name, this.placements, limits);
    this.live.add(env);
    const destroy = env.destroy.bind(env);
    env.destroy = () => destroy().finally(() => this.live.delete(env));
    return env;
  }

  backgroundProcs(): string | undefined {
    const cpu = this.placements.cpu;
    if (!cpu) return undefined;
    if (this.background === undefined) {
      const dir = join(cpu.instanceDir, BACKGROUND);
      try {
        mkdirSync(dir, { recursive: true });
        cpu.files.setCpuShares(dir, LEAST_SHARES);
        this.background = join(dir, 'cgroup.procs');
      } catch {
        this.background = null;
      }
    }
    return this.background ?? undefined;
  }

  /**
   * On a v1 freezer, keeps one cgroup with no process in it frozen while the server runs.
   * The kernel switches its freezing checks on (a static key: code patched on every CPU)
   * when the first v1 cgroup starts freezing and off when the last one thaws, and the
   * write that does it waits for that: ~1.2 ms of a synchronous write on the test host,
   * against ~0.1 ms otherwise. With only environments frozen, the thaw of a lone idle
   * environment, on its next invocation's path, paid it every time (and blocked the event
   * loop). The anchor keeps the count above zero, as any frozen environment does anyway.
   * v2's `cgroup.freeze` has no such switch. A failure leaves only the cost.
   */
  anchorFreezer(): void {
    const freezer = this.placements.freezer;
    if (!freezer || freezer.files.version !== 1) return;
    const dir = join(freezer.instanceDir, FREEZER_ANCHOR);
    try {
      mkdirSync(dir, { recursive: true });
      freezer.files.requestFreeze(dir);
    } catch {
      // Thaws then cost what they cost without it.
    }
  }

  async sweep(): Promise<void> {
    const leftovers = new Set<string>();
    for (const dir of this.gustDirs) for (const name of subdirs(dir)) if (name !== this.instance && isLeftover(name)) leftovers.add(name);
    for (const instance of leftovers) await this.removeInstance(instance);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.live].map((env) => env.destroy()));
    await this.removeInstance(this.instance);
    this.watchdog?.dismiss();
  }

  /** Destroys every environment cgroup of an instance, in every hierarchy, then the instance directories. */
  private async removeInstance(instance: string): Promise<void> {
    const placements = this.placementsOf(instance);
    const envNames = new Set<string>();
    for (const dir of this.gustDirs) for (const name of subdirs(join(dir, instance))) envNames.add(name);
    for (const name of envNames) {
      const only = Object.hasOwn(OWN_CGROUPS, name) ? OWN_CGROUPS[name]! : undefined;
      const at: Placements = only === undefined ? placements : Object.fromEntries(Object.entries(placements).filter(([c]) => c === only));
      await CgroupEnvironment.adopt(name, at).destroy().catch(() => undefined);
    }
    for (const dir of this.gustDirs) await removeCgroupDir(join(dir, instance));
  }

  /** This server's placements, moved to another instance's directories. */
  private placementsOf(instance: string): Placements {
    const out: Placements = {};
    for (const [controller, p] of Object.entries(this.placements) as [keyof Placements, Placement][]) {
      out[controller] = { ...p, instanceDir: join(p.instanceDir, '..', instance) };
    }
    return out;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => {
      try {
        return statSync(join(dir, n)).isDirectory();
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}
