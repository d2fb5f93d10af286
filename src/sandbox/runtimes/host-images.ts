/**
 * Runtime files from the host alone: the node running Gust and the host's python3.X, each
 * only for the identifier of its own version, with Gust's bootstraps and no AWS SDK. What a
 * server without installed runtimes can run, and what unit and pool tests use.
 */
import { join } from 'node:path';
import { InvalidRuntimeException } from '../../core/errors.js';
import { languageRuntime, type Runtime } from '../../core/limits.js';
import type { RuntimeImages } from '../runtime-command.js';
import type { RuntimeFiles } from '../sandbox-driver.js';
import { BOOTSTRAPS, gustRuntimesDir } from './gust-runtimes.js';
import { HostInterpreters } from './host-interpreters.js';

export class HostRuntimeImages implements RuntimeImages {
  constructor(
    private readonly interpreters = new HostInterpreters(),
    private readonly runtimesDir = gustRuntimesDir(),
  ) {}

  files(runtime: Runtime): RuntimeFiles {
    const files = this.find(runtime);
    if (!files) throw new InvalidRuntimeException(`The runtime ${runtime} is not available on this host: ${hostGap(runtime)}`);
    return files;
  }

  /** The host's files for `runtime`, or undefined when the host has no interpreter of its version. */
  find(runtime: Runtime): RuntimeFiles | undefined {
    const lang = languageRuntime(runtime);
    if (!lang) return undefined;
    const interpreter = lang.language === 'nodejs' ? this.interpreters.node(lang.version)?.path : this.interpreters.python(lang.version);
    if (!interpreter) return undefined;
    const boot = BOOTSTRAPS[lang.language];
    return { ...lang, runtimeDir: join(this.runtimesDir, boot.dir), bootstrap: boot.file, interpreter };
  }
}

/** Why the host alone cannot run `runtime`. */
export function hostGap(runtime: Runtime): string {
  const lang = languageRuntime(runtime);
  if (!lang) return `${runtime} is not a Node.js or Python runtime`;
  return lang.language === 'nodejs'
    ? `Gust runs on Node.js ${process.version}, not ${lang.version}.x, and no Node.js ${lang.version} is installed (gust runtimes install ${runtime})`
    : `there is no python${lang.version} on this host and none is installed (gust runtimes install ${runtime})`;
}
