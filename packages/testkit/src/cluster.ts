/**
 * A cluster for black-box tests and benchmarks: N real `opentill serve` nodes (startServer) on one
 * PostgreSQL schema (the real server, or the embedded PGlite server every process shares through
 * its wire front end), behind Debian's haproxy (haproxy.ts) configured as `opentill cluster`
 * configures it (apps/opentill/haproxy/opentill.cfg). A node can be
 * killed with SIGKILL and restarted on its port; haproxy's health checks take it out and back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { provisionHaproxy } from './haproxy.js';
import { freshSchema, testPostgres } from './postgres.js';
import { startServer, type RunningServer } from './server-process.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ClusterNode {
  /** `node1`, `node2`, …: its `--node-name`, which it sends as the `OpenTill-Node` header. */
  name: string;
  port: number;
  /** The node's own address, bypassing the load balancer. */
  url: string;
  /** The running process, or null while the node is down. */
  server: RunningServer | null;
}

export interface RunningCluster {
  /** The load balancer's address: what clients use. */
  url: string;
  /** The same, under the name RunningServer uses (for helpers that take either). */
  baseUrl: string;
  /** The load balancer's port. */
  port: number;
  secretKey: string;
  publishableKey: string;
  nodes: ClusterNode[];
  /** The PostgreSQL URL every node uses. */
  database: string;
  /** haproxy's process id (the benchmarks read its CPU time). */
  balancerPid: number;
  /** SIGKILLs a node (no clean shutdown: connections drop, in-flight requests get no answer). */
  kill(name: string): Promise<void>;
  /** Starts a killed node again on its port and waits until the load balancer sends it requests. */
  restart(name: string): Promise<void>;
  /**
   * Advances the account's test clock through the load balancer, then waits until every running
   * node sees it (a node re-reads the account's clock within a second; docs/cluster-running.md).
   */
  advanceClock(seconds: number): Promise<void>;
  /** haproxy's output and every node's, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (haproxy needs a number; the short race with another process is retried). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * The configuration `opentill cluster` writes (its template, apps/opentill/haproxy/opentill.cfg),
 * from the built CLI, as startServer runs the built server: one renderer for both.
 */
export async function haproxyConfig(
  listen: string,
  nodes: ReadonlyArray<{ name: string; port: number }>,
): Promise<string> {
  const cli = (await import(
    pathToFileURL(join(repoRoot, 'apps', 'opentill', 'dist', 'commands', 'cluster.js')).href
  )) as {
    renderHaproxyConfig(listen: string, nodes: ReadonlyArray<{ name: string; address: string }>): string;
  };
  return cli.renderHaproxyConfig(
    listen,
    nodes.map((node) => ({ name: node.name, address: `127.0.0.1:${node.port}` })),
  );
}

/** Which node answered `GET /healthz` through the load balancer. */
async function answeringNode(url: string): Promise<string | null> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.headers.get('opentill-node');
  } catch {
    return null;
  }
}

/**
 * Polls the load balancer until each of `names` has answered (round robin: every node within a few
 * requests once haproxy's health check, every 500 ms, marks it up). Bounded: 800 requests 25 ms apart.
 */
export async function waitUntilServing(url: string, names: readonly string[], output: () => string): Promise<void> {
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 800; attempt += 1) {
    const node = await answeringNode(url);
    if (node !== null) seen.add(node);
    if (names.every((name) => seen.has(name))) return;
    await new Promise((done) => setTimeout(done, 25));
  }
  throw new Error(`the load balancer at ${url} never sent requests to ${names.join(', ')}:\n${output()}`);
}

/**
 * A request carrying this header with a node's name goes to that node (while haproxy has it up):
 * tests pin a call to a node other than a reader's instead of predicting round robin, whose order
 * changes whenever haproxy marks a node down or up (a health check answered late on a loaded
 * machine is enough). Added to the test cluster's configuration only; `opentill cluster` has no such
 * rule.
 */
export const testRouteHeader = 'OpenTill-Test-Route';

/** One `use-server` rule per node for `testRouteHeader`, appended to the backend section (the template's last). */
function testRouteRules(nodes: ReadonlyArray<{ name: string }>): string {
  return nodes
    .map((node) => `    use-server ${node.name} if { req.hdr(${testRouteHeader}) -m str ${node.name} }\n`)
    .join('');
}

export async function startHaproxy(
  nodes: ReadonlyArray<{ name: string; port: number }>,
): Promise<{ url: string; process: ChildProcess; output(): string; stop(): Promise<void> }> {
  const haproxy = provisionHaproxy();
  const dir = mkdtempSync(join(tmpdir(), 'opentill-haproxy-'));
  const config = join(dir, 'opentill.cfg');
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const rendered = await haproxyConfig(`127.0.0.1:${port}`, nodes);
    writeFileSync(config, `${rendered.trimEnd()}\n${testRouteRules(nodes)}`);
    const child = spawn(haproxy.command, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const listening = await waitForPort(port, exited);
    if (!listening) {
      // The port was taken between freePort and haproxy's bind: try another (bounded).
      if (attempt < 5 && /cannot bind|Address already in use/.test(output)) continue;
      throw new Error(`haproxy (${haproxy.source}) did not start:\n${output}`);
    }
    return {
      url: `http://127.0.0.1:${port}`,
      process: child,
      output: () => output,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** True once something accepts connections on the port; false if `exited` settles first (bounded: 30 s). */
async function waitForPort(port: number, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (let attempt = 0; attempt < 300 && !gone; attempt += 1) {
    const open = await new Promise<boolean>((done) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

/**
 * Starts `nodes` servers (default 3) on one fresh schema (or `database`), one after the other (the
 * first migrates and creates the account, the others find it), then haproxy in front.
 */
export async function startCluster(options: {
  name: string;
  nodes?: number;
  database?: string;
  /**
   * The database URL a node uses (default: `database`, the same for all): e.g. each node through
   * its own TCP proxy, so a test can cut one node off PostgreSQL while the others reach it.
   */
  nodeDatabase?: (name: string) => string;
  env?: Record<string, string>;
  args?: string[];
}): Promise<RunningCluster> {
  let database = options.database;
  let dropSchema: (() => Promise<void>) | null = null;
  if (database === undefined) {
    const schema = await freshSchema((await testPostgres()).url, options.name);
    database = schema.url;
    dropSchema = schema.drop;
  }
  const secretKey = `sk_test_opentillcluster${process.pid}x${Date.now()}`;
  const nodes: ClusterNode[] = [];
  const outputs: string[] = [];
  const start = async (name: string, port: number | null): Promise<RunningServer> =>
    startServer({
      store: 'postgres',
      name: `${options.name}-${name}`,
      database: options.nodeDatabase?.(name) ?? database,
      secretKey,
      args: ['--node-name', name, ...(port !== null ? ['--port', String(port)] : []), ...(options.args ?? [])],
      ...(options.env ? { env: options.env } : {}),
    });
  let publishableKey = '';
  let balancer: Awaited<ReturnType<typeof startHaproxy>> | null = null;
  const output = () =>
    [
      ...outputs,
      ...nodes.map((node) => `--- ${node.name}\n${node.server?.output() ?? '(down)'}`),
      `--- haproxy\n${balancer?.output() ?? ''}`,
    ].join('\n');
  try {
    for (let index = 1; index <= (options.nodes ?? 3); index += 1) {
      const server = await start(`node${index}`, null);
      if (index === 1) publishableKey = server.publishableKey;
      nodes.push({ name: `node${index}`, port: server.port, url: server.baseUrl, server });
    }
    balancer = await startHaproxy(nodes);
    await waitUntilServing(
      balancer.url,
      nodes.map((node) => node.name),
      output,
    );
  } catch (error) {
    await Promise.all(nodes.map((node) => node.server?.stop()));
    await balancer?.stop();
    await dropSchema?.();
    throw error;
  }
  const lb = balancer;
  const find = (name: string) => {
    const node = nodes.find((candidate) => candidate.name === name);
    if (!node) throw new Error(`no node ${name} in this cluster`);
    return node;
  };
  return {
    url: lb.url,
    baseUrl: lb.url,
    balancerPid: lb.process.pid!,
    port: Number(new URL(lb.url).port),
    secretKey,
    publishableKey,
    nodes,
    database,
    async kill(name) {
      const node = find(name);
      if (!node.server) return;
      outputs.push(`--- ${name} (killed)\n${node.server.output()}`);
      await node.server.stop('SIGKILL');
      node.server = null;
    },
    async restart(name) {
      const node = find(name);
      if (node.server) throw new Error(`${name} is running`);
      node.server = await start(name, node.port);
      await waitUntilServing(lb.url, [name], output);
    },
    async advanceClock(seconds) {
      const call = (base: string, method: string, path: string, body?: string) =>
        fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
          ...(body !== undefined ? { body } : {}),
          signal: AbortSignal.timeout(20_000),
        });
      const advanced = await call(lb.url, 'POST', '/opentill/v1/test/clock/advance', `seconds=${seconds}`);
      const text = await advanced.text();
      if (!advanced.ok) throw new Error(`clock advance: ${advanced.status} ${text}`);
      const offset = (JSON.parse(text) as { offset_seconds: number }).offset_seconds;
      for (const node of nodes.filter((candidate) => candidate.server !== null)) {
        for (let attempt = 0; ; attempt += 1) {
          const seen = await call(node.url, 'GET', '/opentill/v1/test/clock');
          if (((await seen.json()) as { offset_seconds?: number }).offset_seconds === offset) break;
          if (attempt === 100) throw new Error(`${node.name} never saw the clock advanced to +${offset} s`);
          await new Promise((done) => setTimeout(done, 50));
        }
      }
    },
    output,
    async stop() {
      await lb.stop();
      await Promise.all(nodes.map((node) => node.server?.stop()));
      await dropSchema?.();
    },
  };
}
