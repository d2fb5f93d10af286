/**
 * One POST from a cluster node to another (`/gust/cluster/...`), with the cluster's secret,
 * on a kept-alive connection: node:http, as a hop on it costs less than one through fetch.
 */
import { type Agent, request } from 'node:http';
import { CLUSTER_SECRET_HEADER } from '../http/cluster-api/cluster-api.js';

/**
 * A POST that got no answer. `accepted` says whether the node had said it took the request
 * (a `102 Processing` before its work, as the routed invoke's route sends): without that, it
 * never began it — it was dead or unreachable, or the kept-alive connection the request
 * went on had been closed by a node since killed.
 */
export class NodePostError extends Error {
  readonly code: string | undefined;

  constructor(
    cause: unknown,
    readonly accepted: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'NodePostError';
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

export function postToNode(agent: Agent, base: string, path: string, body: string, secret: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, base);
    let accepted = false;
    const fail = (err: unknown) => reject(new NodePostError(err, accepted));
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [CLUSTER_SECRET_HEADER]: secret } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('information', (info) => {
      if (info.statusCode === 102) accepted = true;
    });
    req.on('error', fail);
    req.end(body);
  });
}
