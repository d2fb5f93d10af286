/**
 * One POST from a cluster node to another (`/gust/cluster/...`), with the cluster's secret,
 * on a kept-alive connection: node:http, as a hop on it costs less than one through fetch.
 */
import { type Agent, request } from 'node:http';
import { CLUSTER_SECRET_HEADER } from '../http/cluster-api/cluster-api.js';

export function postToNode(agent: Agent, base: string, path: string, body: string, secret: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, base);
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [CLUSTER_SECRET_HEADER]: secret } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
