/**
 * A FIFO queue's message groups: each group's messages in arrival order, how many of them
 * are in flight, and the groups a receive may take from now ("ready": nothing of the group
 * in flight and its first message visible). A group locked by an in-flight message holds
 * its later messages back, which is how SQS keeps a group in order across consumers.
 */
export class FifoGroups {
  private readonly members = new Map<string, Set<number>>();
  private readonly inFlight = new Map<string, number>();
  /** Insertion-ordered: the order groups became ready is the order receives take them. */
  readonly ready = new Set<string>();

  constructor(private readonly isVisible: (seq: number) => boolean) {}

  add(group: string, seq: number, inFlight: boolean): void {
    let seqs = this.members.get(group);
    if (!seqs) this.members.set(group, (seqs = new Set()));
    seqs.add(seq);
    if (inFlight) this.received(group);
    this.refresh(group);
  }

  remove(group: string, seq: number, wasInFlight: boolean): void {
    const seqs = this.members.get(group)!;
    seqs.delete(seq);
    if (wasInFlight) this.returned(group);
    if (seqs.size > 0) return this.refresh(group);
    this.members.delete(group);
    this.inFlight.delete(group);
    this.ready.delete(group);
  }

  /** A message of the group was received: the group is locked. */
  received(group: string): void {
    this.inFlight.set(group, (this.inFlight.get(group) ?? 0) + 1);
    this.ready.delete(group);
  }

  /** A message of the group is no longer in flight (it became visible again). */
  returned(group: string): void {
    this.inFlight.set(group, this.inFlight.get(group)! - 1);
  }

  /** The group's messages in order (a copy: taking from it changes the group). */
  messages(group: string): number[] {
    return [...(this.members.get(group) ?? [])];
  }

  has(group: string): boolean {
    return this.members.has(group);
  }

  /** Re-reads whether the group can be taken from. */
  refresh(group: string): void {
    const head = this.members.get(group)?.values().next().value;
    if (head !== undefined && (this.inFlight.get(group) ?? 0) === 0 && this.isVisible(head)) this.ready.add(group);
    else this.ready.delete(group);
  }
}
