/**
 * The NodeStore on PostgreSQL: `gust.nodes`, in the schema every node shares. Heartbeat
 * times are the database's clock, so nodes whose clocks differ still compare.
 */
import type { NodeRecord } from '../../core/model/cluster-nodes.js';
import type { NodeStore } from '../node-store.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgSchema } from './pg-schema.js';

/** The nodes table, oldest migration first. Append only. */
export const NODES_COMPONENT: PgComponent = {
  name: 'nodes',
  migrations: [
    {
      version: 1,
      description: 'the nodes of a cluster and their heartbeats',
      up: (s) => `
        CREATE TABLE ${s.table('nodes')} (
          id             text COLLATE "C" PRIMARY KEY,
          url            text NOT NULL,
          started_at     timestamptz NOT NULL,
          last_heartbeat timestamptz NOT NULL,
          environments   integer NOT NULL,
          invocations    integer NOT NULL
        );
      `,
    },
    {
      version: 2,
      description: "the cluster's id, for the subjects of its notes, and its secret, for invocations between nodes",
      // gen_random_uuid draws from the server's strong random source (PostgreSQL 13 and later).
      up: (s) => `
        CREATE TABLE ${s.table('cluster')} (
          one    boolean PRIMARY KEY DEFAULT true CHECK (one),
          id     text NOT NULL,
          secret text NOT NULL
        );
        INSERT INTO ${s.table('cluster')} (id, secret)
          VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 12), replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
      `,
    },
  ],
};

interface NodeRow {
  id: string;
  url: string;
  started_at: Date;
  last_heartbeat: Date;
  environments: number;
  invocations: number;
}

export class PgNodeStore implements NodeStore {
  private constructor(private readonly schema: PgSchema) {}

  /** Brings `gust.nodes` up to date and opens the store on it. */
  static async open(schema: PgSchema): Promise<PgNodeStore> {
    await migrate(schema, NODES_COMPONENT);
    return new PgNodeStore(schema);
  }

  async cluster(): Promise<{ id: string; secret: string }> {
    const rows = await this.schema.query<{ id: string; secret: string }>(`SELECT id, secret FROM ${this.schema.table('cluster')}`);
    return rows[0]!;
  }

  async beat(node: Omit<NodeRecord, 'lastHeartbeat'>): Promise<void> {
    await this.schema.execute(
      `INSERT INTO ${this.schema.table('nodes')} (id, url, started_at, last_heartbeat, environments, invocations) VALUES ($1, $2, $3, now(), $4, $5)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, last_heartbeat = now(), environments = excluded.environments, invocations = excluded.invocations`,
      [node.id, node.url, node.startedAt, node.environments, node.invocations],
    );
  }

  async list(): Promise<NodeRecord[]> {
    const rows = await this.schema.query<NodeRow>(`SELECT * FROM ${this.schema.table('nodes')} ORDER BY started_at, id`);
    return rows.map((r) => ({ id: r.id, url: r.url, startedAt: r.started_at.toISOString(), lastHeartbeat: r.last_heartbeat.toISOString(), environments: r.environments, invocations: r.invocations }));
  }

  async removeSilent(ms: number): Promise<string[]> {
    const rows = await this.schema.query<{ id: string }>(`DELETE FROM ${this.schema.table('nodes')} WHERE last_heartbeat < now() - make_interval(secs => $1) RETURNING id`, [ms / 1000]);
    return rows.map((r) => r.id);
  }

  async remove(id: string): Promise<void> {
    await this.schema.execute(`DELETE FROM ${this.schema.table('nodes')} WHERE id = $1`, [id]);
  }
}
