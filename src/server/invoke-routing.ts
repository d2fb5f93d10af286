/**
 * Synchronous invocations routed between the nodes of a cluster: an invocation that no idle
 * environment here would take (it would start a new one) goes to a node that runs
 * environments of its version, and runs there if one of them is idle. When no other node
 * runs the version, it starts its environment on the node with the most room (free
 * concurrency) if that node has ROOM_MARGIN more than this one; otherwise, or when the node
 * that runs the version had none idle after all, it runs here as before.
 *
 * Which node runs what: every node publishes the versions it has environments of (not
 * whether they are idle: that changes with every invocation) on `gust.<cluster>.warm` every
 * GOSSIP_MS with its room, and forgets a node not heard from for three of those. A node
 * sent a cold start counts as one unit fuller here until it next speaks, so that a burst
 * does not go all to the node that looked roomiest a second ago. The invocation itself
 * goes over HTTP straight to the chosen node (`POST /gust/cluster/invoke`, the cluster's
 * secret instead of a signature): a payload may be 6 MB, more than a NATS message carries by
 * default, and a node that dies with the invocation closes its socket, so the client's node
 * answers at once instead of at a timeout.
 */
import { Agent } from 'node:http';
import type { Logger } from 'pino';
import type { ClusterBus } from '../bus/cluster-bus.js';
import { ServiceException } from '../core/errors.js';
import type { InvokeResult } from '../invoke/invoke-types.js';
import { decodeAnswer, encodeRequest, type RoutedRequest } from '../invoke/routed-invoke.js';
import { NodePostError, postToNode } from './node-post.js';

/** How often a node tells the others which versions it runs. */
export const GOSSIP_MS = 1_000;
/** How much more room another node needs for a cold start to go there: equal nodes keep their own. */
export const ROOM_MARGIN = 2;

export interface InvokeRouterOptions {
  bus: ClusterBus;
  /** The cluster's id and secret (NodeStore.cluster). */
  cluster: string;
  secret: string;
  /** This node's id and URL, as in `gust.nodes`. */
  node: string;
  url: () => string;
  /** The versions this node has environments of, as `account\0function\0version`. */
  warmVersions: () => string[];
  /** Those of them with provisioned environments ready here (the keeper's), in the same form. */
  provisionedVersions: () => string[];
  /** Invocations this node can still take (its concurrency limit less those running). */
  room: () => number;
  logger: Logger;
}

interface Peer {
  url: string;
  warm: Set<string>;
  provisioned: Set<string>;
  room: number;
  heardAt: number;
}

/** A node (or keeper) last heard before this is forgotten: three gossips missed. */
export const heardSince = (): number => Date.now() - 3 * GOSSIP_MS;

export class InvokeRouter {
  private readonly peers = new Map<string, Peer>();
  /** The peers that keep provisioned environments, as last heard (nearly always none). */
  private provisioning: Peer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly subject: string;
  private readonly agent = new Agent({ keepAlive: true });

  constructor(private readonly options: InvokeRouterOptions) {
    this.subject = `gust.${options.cluster}.warm`;
  }

  /** Listens to the other nodes and starts telling them what runs here. */
  start(): void {
    this.options.bus.subscribe(this.subject, (note) => {
      const { node, url, warm, provisioned, room } = note;
      if (node === this.options.node || typeof url !== 'string' || !Array.isArray(warm)) return;
      const keys = (list: unknown) => new Set(Array.isArray(list) ? list.filter((w): w is string => typeof w === 'string') : []);
      this.peers.set(node, { url, warm: keys(warm), provisioned: keys(provisioned), room: typeof room === 'number' ? room : 0, heardAt: Date.now() });
      this.provisioning = [...this.peers.values()].filter((p) => p.provisioned.size > 0);
    });
    this.tell(this.options.warmVersions(), this.options.provisionedVersions());
    this.timer = setInterval(() => this.tell(this.options.warmVersions(), this.options.provisionedVersions()), GOSSIP_MS);
    this.timer.unref();
  }

  /** Stops telling; the others hear that nothing runs here any more. */
  stop(): void {
    clearInterval(this.timer);
    this.tell([], []);
  }

  /**
   * Whether another node keeps provisioned environments of the version: an invocation tries
   * them before an idle on-demand environment here, as Lambda serves provisioned concurrency
   * first and spills over to on-demand only when it is all in use.
   */
  provisionedElsewhere(accountId: string, functionName: string, version: string): boolean {
    // Asked on every warm invoke here: nothing to look at unless some node keeps provisioned environments.
    if (this.provisioning.length === 0) return false;
    const key = `${accountId}\0${functionName}\0${version}`;
    const since = heardSince();
    return this.provisioning.some((peer) => peer.heardAt >= since && peer.provisioned.has(key));
  }

  /** Closes its connections to other nodes, once nothing it sent can still be answered. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Runs `request` of `functionName` in `accountId` on another node that runs its version,
   * and answers its result; undefined when no node does, when the one chosen had no idle
   * environment, or when it could not be reached: the caller runs it here then. Throws the
   * AWS error the running node answered, or ServiceException when that node stopped
   * before it answered.
   */
  async elsewhere(accountId: string, functionName: string, request: RoutedRequest): Promise<InvokeResult | undefined> {
    const key = `${accountId}\0${functionName}\0${request.routed.version}`;
    let peer = this.pick(key);
    let sent = request;
    if (!peer) {
      // No node runs the version: its first environment starts where there is most room.
      peer = this.roomiest();
      if (!peer) return undefined;
      peer.room--;
      sent = { ...request, routed: { ...request.routed, cold: true } };
    }
    let answer: { status: number; text: string };
    try {
      answer = await postToNode(this.agent, peer.url, '/gust/cluster/invoke', encodeRequest(accountId, sent), this.options.secret);
    } catch (err) {
      // The node never began it (refused, or a kept-alive connection it had closed as it
      // died): it runs here. Once begun there, it may have run.
      if (err instanceof NodePostError && !err.accepted) return undefined;
      this.options.logger.warn({ err, node: peer.url, requestId: request.requestId }, 'cluster: the node running an invocation stopped before it answered');
      throw new ServiceException('The node running the invocation stopped before it answered.');
    }
    if (answer.status !== 200) {
      this.options.logger.warn({ node: peer.url, status: answer.status, body: answer.text.slice(0, 200) }, 'cluster: a node refused a routed invocation');
      return undefined;
    }
    const routed = decodeAnswer(answer.text);
    if ('busy' in routed) return undefined;
    if ('error' in routed) throw routed.error;
    return routed.result;
  }

  /** A node heard from lately that runs `key`: one that keeps provisioned environments of it, else one chosen at random among them. */
  private pick(key: string): Peer | undefined {
    const since = heardSince();
    const candidates: Peer[] = [];
    for (const [id, peer] of this.peers) {
      if (peer.heardAt < since) this.peers.delete(id);
      else if (peer.provisioned.has(key)) return peer;
      else if (peer.warm.has(key)) candidates.push(peer);
    }
    return candidates[Math.floor(Math.random() * candidates.length)];
  }

  /** The node heard from lately with the most room, if it has ROOM_MARGIN more than this one. */
  private roomiest(): Peer | undefined {
    const since = heardSince();
    let best: Peer | undefined;
    for (const peer of this.peers.values()) if (peer.heardAt >= since && (!best || peer.room > best.room)) best = peer;
    return best && best.room >= this.options.room() + ROOM_MARGIN ? best : undefined;
  }

  private tell(warm: string[], provisioned: string[]): void {
    this.options.bus.publish(this.subject, { node: this.options.node, url: this.options.url(), warm, provisioned, room: this.options.room() });
  }
}

