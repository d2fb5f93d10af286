/**
 * The Python bootstrap's bytecode, compiled once per interpreter into the driver's copy of
 * it (runtime-copies.ts). A sandbox cannot write its `__pycache__` (the copy is bound
 * read-only and the sandbox uid owns nothing there), so without this every Python start
 * compiled the bootstrap's modules again: ~5 ms of a cold start, and of each ready
 * sandbox's boot, on the 2-core bench host.
 *
 * Compiled in the background at the first start with each interpreter, by the host running
 * that interpreter through the spawner (a runtime's own Debian root through its loader): the first start
 * compiles for itself as before, the next ones find the files. compileall writes each file
 * whole under its final name (a rename), so a runtime reading meanwhile sees the file or
 * nothing. The files are made by Gust, never by a function, so one function cannot leave
 * code for another there.
 */
import { hostSpawner } from '../host-spawner.js';
import { rootPython } from '../runtimes/debian-install.js';
import type { RuntimeFiles } from '../sandbox-driver.js';

export class BootstrapBytecode {
  /** Copy and interpreter pairs compiled or being compiled. */
  private readonly started = new Set<string>();

  constructor(private readonly onFailure: (err: unknown) => void = () => undefined) {}

  /** Compiles `copyDir` (the Python bootstrap's copy) for `runtime`'s interpreter, once; does nothing for other runtimes. */
  prepare(runtime: RuntimeFiles | undefined, copyDir: string): void {
    if (runtime?.language !== 'python') return;
    const python = runtime.systemRoot ? rootPython(runtime.systemRoot, runtime.version) : [runtime.interpreter];
    const key = [copyDir, ...python].join('\0');
    if (this.started.has(key)) return;
    this.started.add(key);
    // Through the spawner: the server never forks for a start (host-spawner.ts).
    const [command, ...args] = python as [string, ...string[]];
    hostSpawner()
      .run(command, [...args, '-m', 'compileall', '-q', copyDir], { env: {} })
      .then((ran) => {
        // Every file there is Gust's and compiles: any other exit is a failure.
        if (ran.code !== 0) throw new Error(`${command} -m compileall exited with ${ran.code ?? ran.signal}: ${ran.stderr.trim()}`);
      })
      .catch(this.onFailure);
  }
}
