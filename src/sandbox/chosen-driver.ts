/**
 * The sandbox driver a server runs its functions in, chosen after it listens: setting up
 * the namespace driver (its network, its files and a trial sandbox) takes longer than
 * everything else a start does before `/health` can answer, and no sandbox starts before
 * the server has opened its accounts, which waits for the choice (gust-server.ts).
 */
import type { ReadySandboxesReport, Sandbox, SandboxDriver, SandboxLayout, SandboxMounts, SandboxSpec } from './sandbox-driver.js';

export class ChosenDriver implements SandboxDriver {
  private driver: SandboxDriver | undefined;
  private readonly choice: Promise<SandboxDriver>;

  constructor(choice: Promise<SandboxDriver>) {
    this.choice = choice.then((driver) => (this.driver = driver));
    // Whoever made the choice hears of its failure; a close after it has nothing to close.
    this.choice.catch(() => undefined);
  }

  /** Resolves with the driver once chosen; rejects as the choice did. */
  get chosen(): Promise<SandboxDriver> {
    return this.choice;
  }

  get name(): string {
    return this.known().name;
  }

  layout(mounts: SandboxMounts): SandboxLayout {
    return this.known().layout(mounts);
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    return (await this.choice).start(spec);
  }

  readySandboxes(): ReadySandboxesReport[] {
    return this.driver?.readySandboxes?.() ?? [];
  }

  async close(): Promise<void> {
    const driver = await this.choice.catch(() => undefined);
    await driver?.close?.();
  }

  private known(): SandboxDriver {
    if (!this.driver) throw new Error('the sandbox driver is asked for before the server has chosen it');
    return this.driver;
  }
}
