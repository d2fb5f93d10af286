/**
 * `GET /gust/nodes`: the nodes of the cluster this server belongs to, each with its URL,
 * start, last heartbeat, environments and invocations running (`gust nodes`); a single node lists itself. Who
 * runs where is the operator's business: only the server's own account may ask.
 */
import { AccessDeniedException } from '../../core/errors.js';
import type { NodeView } from '../../core/model/cluster-nodes.js';
import type { HttpPlugin } from '../server.js';

export interface NodesApiContext {
  nodes(): Promise<NodeView[]>;
  /** The server's own account, the caller's on an open server. */
  accountId: string;
}

export function nodesApi(ctx: NodesApiContext): HttpPlugin {
  return {
    register(app) {
      app.get('/gust/nodes', async (request) => {
        if ((request.caller?.accountId ?? ctx.accountId) !== ctx.accountId) {
          throw new AccessDeniedException(`/gust/nodes shows the cluster's nodes: sign with a key of the server's account ${ctx.accountId}.`);
        }
        return { nodes: await ctx.nodes() };
      });
    },
  };
}
