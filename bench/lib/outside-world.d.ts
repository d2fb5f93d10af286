/** Types of outside-world.js, for the test suites that use it. */
export interface OutsideWorld {
  /** The servers' address. */
  address: string;
  /** The host's end of the link. */
  hostAddress: string;
  httpPort: number;
  /** A name the DNS server resolves to `address`. */
  name: string;
  close(): void;
}
/** Why this host cannot make one, or undefined. */
export function outsideWorldGap(): string | undefined;
export function startOutsideWorld(): Promise<OutsideWorld>;
