/**
 * Several `opentill serve` nodes on one fresh PostgreSQL schema, started directly (no load balancer),
 * with short reader-bus settings: the harness of the cross-node tests (reader-across-nodes,
 * pairing-across-nodes).
 */
import Stripe from 'stripe';
import { freshSchema, startServer, testPostgres, type RunningServer } from '@opentill/testkit';

const ackTimeoutMs = 800;
const pollMs = 100;
const leaseMs = 1_500;

export interface Nodes {
  nodes: RunningServer[];
  secretKey: string;
  stop(): Promise<void>;
}

/** `count` nodes on one fresh schema, started directly (no load balancer), sharing one secret key. */
export async function startNodes(name: string, count: number, env: Record<string, string> = {}): Promise<Nodes> {
  const pg = await testPostgres();
  const schema = await freshSchema(pg.url, name);
  const nodes: RunningServer[] = [];
  const nodeEnv = (i: number) => ({
    OPENTILL_READER_ACK_TIMEOUT_MS: String(ackTimeoutMs),
    OPENTILL_READER_BUS_POLL_MS: String(pollMs),
    OPENTILL_READER_LEASE_MS: String(leaseMs),
    OPENTILL_NODE_ID: `node_${name}_${i}`,
    ...env,
  });
  try {
    nodes.push(await startServer({ store: 'postgres', name: `${name}_0`, database: schema.url, env: nodeEnv(0) }));
    for (let i = 1; i < count; i += 1) {
      nodes.push(
        await startServer({
          store: 'postgres',
          name: `${name}_${i}`,
          database: schema.url,
          secretKey: nodes[0]!.secretKey,
          env: nodeEnv(i),
        }),
      );
    }
  } catch (error) {
    for (const node of nodes) await node.stop();
    await schema.drop();
    throw error;
  }
  return {
    nodes,
    secretKey: nodes[0]!.secretKey,
    async stop() {
      for (const node of nodes) await node.stop();
      await schema.drop();
    },
  };
}

export function stripeAt(url: string, secretKey: string): Stripe {
  const { hostname, port } = new URL(url);
  return new Stripe(secretKey, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0 });
}
