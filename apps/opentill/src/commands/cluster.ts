/**
 * `opentill cluster` — a local cluster for trying OpenTill on several nodes: N `opentill serve`
 * processes on one PostgreSQL database (each on a free port, named node1…nodeN), and Debian's
 * haproxy in front of them on one port, configured from the template shipped in `haproxy/opentill.cfg`
 * (round robin, health checks, WebSockets passed through). Prints the load balancer's URL and the
 * keys, records the URL for the client commands, and stops everything on Ctrl-C.
 * docs/cluster-running.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, UsageError, parseInteger, parsePort, stringFlag, type Command } from '../cli/command.js';
import { dataDirFlag, dataDirOf, defaultHost, defaultPort, writeServerRecord } from '../cli/client.js';
import { checkPortFree } from './serve.js';

/** More nodes than this on one machine only measure the machine. */
const nodesMax = 16;

/** The haproxy configuration template, shipped with the package. */
export const haproxyTemplatePath = fileURLToPath(new URL('../../haproxy/opentill.cfg', import.meta.url));

/** The template with its two placeholders filled in: where haproxy listens and one `server` line per node. */
export function renderHaproxyConfig(listen: string, nodes: ReadonlyArray<{ name: string; address: string }>): string {
  const servers = nodes.map((node) => `server ${node.name} ${node.address} check`).join('\n    ');
  return readFileSync(haproxyTemplatePath, 'utf8').replace('@LISTEN@', listen).replace('@SERVERS@', servers);
}

/** `--haproxy`, OPENTILL_HAPROXY, then `haproxy` on PATH and /usr/sbin/haproxy: the first that runs. */
function findHaproxy(given: string | undefined): string {
  const candidates = given ? [given] : ['haproxy', '/usr/sbin/haproxy'];
  for (const candidate of candidates) {
    const result = spawnSync(candidate, ['-v'], { encoding: 'utf8', timeout: 10_000 });
    if (result.status === 0 && /HAProxy version/.test(result.stdout)) return candidate;
  }
  throw new CliError(
    given
      ? `--haproxy: '${given}' does not run (\`${given} -v\` failed)`
      : 'haproxy not found: install it (Debian/Ubuntu: apt-get install haproxy) or pass --haproxy <path> (env OPENTILL_HAPROXY)',
  );
}

interface Node {
  name: string;
  child: ChildProcess;
  url: string;
  output: string;
}

/** Starts one `serve` and resolves once it prints its address and keys (or rejects with its output). */
function startNode(
  name: string,
  args: string[],
  host: string,
  log: (line: string) => void,
): Promise<Node & { secretKey: string; publishableKey: string }> {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'serve', '--port', '0', '--host', host, '--node-name', name, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const node: Node = { name, child, url: '', output: '' };
  let started = false;
  const relay = (chunk: Buffer) => {
    node.output += chunk.toString();
    // After the start, each node's operator log goes on, prefixed with its name.
    if (started) for (const line of chunk.toString().split('\n').filter(Boolean)) log(`${name} | ${line}`);
  };
  child.stdout!.on('data', relay);
  child.stderr!.on('data', relay);
  return new Promise((resolve, reject) => {
    const check = () => {
      const url = /listening on (http:\/\/\S+)/.exec(node.output);
      const secret = /secret key:\s+(\S+)/.exec(node.output);
      const publishable = /publishable key:\s+(\S+)/.exec(node.output);
      if (!url || !secret || !publishable) return;
      started = true;
      child.stdout!.off('data', check);
      node.url = url[1]!;
      resolve({ ...node, secretKey: secret[1]!, publishableKey: publishable[1]! });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      if (!started)
        reject(
          new CliError(`${name} did not start (exit ${code}):\n${node.output.trim().split('\n').slice(-5).join('\n')}`),
        );
    });
  });
}

/** A free port on `host` when the user asked for 0 (haproxy needs a number). */
async function portFor(port: number, host: string): Promise<number> {
  if (port !== 0) return port;
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, host, done));
  const free = (server.address() as net.AddressInfo).port;
  await new Promise<void>((done) => server.close(() => done()));
  return free;
}

/** Resolves once haproxy accepts connections (bounded: 100 tries, 100 ms apart); rejects if it exits first. */
async function waitForListener(port: number, host: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) break;
    const open = await new Promise<boolean>((done) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new CliError(`haproxy did not start:\n${output().trim().split('\n').slice(-5).join('\n')}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  return exited;
}

export const cluster: Command = {
  name: 'cluster',
  summary: 'Start a local cluster: N serve nodes on one PostgreSQL behind haproxy',
  usage: ['cluster --database postgres://… [options]'],
  description:
    'Every node serves any request (the state is in PostgreSQL); haproxy spreads requests\n' +
    "round robin, checks each node's /healthz and passes WebSockets through. docs/cluster-running.md.",
  flags: [
    {
      name: 'database',
      type: 'string',
      value: 'url',
      help: 'the PostgreSQL database every node uses (env DATABASE_URL; required)',
    },
    { name: 'nodes', short: 'n', type: 'string', value: 'n', help: `how many nodes (default 3, at most ${nodesMax})` },
    {
      name: 'port',
      short: 'p',
      type: 'string',
      value: 'n',
      help: `the load balancer's port; 0 picks a free one (default ${defaultPort}, env PORT)`,
    },
    {
      name: 'host',
      type: 'string',
      value: 'addr',
      help: `address the load balancer listens on (default ${defaultHost}, env HOST)`,
    },
    {
      ...dataDirFlag,
      help: 'where the nodes keep their keys (node1/keys.json) and the cluster its\nserver.json and haproxy.cfg (default ./.opentill, env OPENTILL_DATA_DIR)',
    },
    {
      name: 'api-key',
      type: 'string',
      value: 'sk_test_…',
      help: 'use this secret key (env OPENTILL_SECRET_KEY; default: generated by node1)',
    },
    {
      name: 'haproxy',
      type: 'string',
      value: 'path',
      help: 'the haproxy program (env OPENTILL_HAPROXY; default: haproxy on PATH)',
    },
  ],
  examples: [
    'opentill cluster --database postgres://localhost/opentill',
    'opentill cluster --database postgres://localhost/opentill --nodes 2 --port 5700',
  ],
  async run({ values }) {
    const database = (stringFlag(values, 'database') ?? process.env['DATABASE_URL']) || undefined;
    if (database === undefined)
      throw new UsageError('opentill cluster: --database postgres://… is required (the nodes share it)');
    if (!/^postgres(ql)?:\/\//.test(database))
      throw new UsageError(`--database: '${database.slice(0, 60)}' is not a postgres:// URL`);
    const count = parseInteger(stringFlag(values, 'nodes') ?? '3', '--nodes', 1, nodesMax);
    const portFlag = stringFlag(values, 'port');
    const port = parsePort(
      portFlag ?? process.env['PORT'] ?? String(defaultPort),
      portFlag !== undefined ? '--port' : 'PORT',
    );
    const host = stringFlag(values, 'host') ?? process.env['HOST'] ?? defaultHost;
    const dataDir = dataDirOf(values);
    const secretFlag = stringFlag(values, 'api-key') ?? (process.env['OPENTILL_SECRET_KEY'] || undefined);
    const haproxy = findHaproxy(stringFlag(values, 'haproxy') ?? (process.env['OPENTILL_HAPROXY'] || undefined));
    await checkPortFree(port, host);
    const log = (line: string) => process.stderr.write(`${line}\n`);

    const nodes: Node[] = [];
    let balancer: ChildProcess | null = null;
    let closing = false;
    let forgetRecord = () => undefined as void;
    const shutdown = async (code: number) => {
      if (closing) return;
      closing = true;
      forgetRecord();
      if (balancer) await stopChild(balancer);
      await Promise.all(nodes.map((node) => stopChild(node.child)));
      process.exit(code);
    };
    process.on('SIGINT', () => void shutdown(0));
    process.on('SIGTERM', () => void shutdown(0));
    try {
      // node1 first: it migrates the database and creates (or finds) the account; the others join it.
      const nodeHost = '127.0.0.1';
      const first = await startNode(
        'node1',
        [
          '--database',
          database,
          '--data-dir',
          join(dataDir, 'node1'),
          ...(secretFlag ? ['--api-key', secretFlag] : []),
        ],
        nodeHost,
        log,
      );
      nodes.push(first);
      const shared = [
        '--database',
        database,
        '--api-key',
        first.secretKey,
        ...(first.publishableKey.startsWith('pk_') ? ['--publishable-key', first.publishableKey] : []),
      ];
      for (let index = 2; index <= count; index += 1) {
        nodes.push(
          await startNode(`node${index}`, [...shared, '--data-dir', join(dataDir, `node${index}`)], nodeHost, log),
        );
      }
      const lbPort = await portFor(port, host);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const config = join(dataDir, 'haproxy.cfg');
      const listen = `${host.includes(':') ? `[${host}]` : host}:${lbPort}`;
      writeFileSync(
        config,
        renderHaproxyConfig(
          listen,
          nodes.map((node) => ({ name: node.name, address: new URL(node.url).host })),
        ),
      );
      let haproxyOutput = '';
      balancer = spawn(haproxy, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      balancer.stdout!.on('data', (chunk: Buffer) => {
        haproxyOutput += chunk.toString();
      });
      balancer.stderr!.on('data', (chunk: Buffer) => {
        haproxyOutput += chunk.toString();
      });
      await waitForListener(
        lbPort,
        host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
        balancer,
        () => haproxyOutput,
      );
      balancer.once('exit', (code) => {
        log(`haproxy exited (${code}): stopping the cluster\n${haproxyOutput.trim().split('\n').slice(-5).join('\n')}`);
        void shutdown(1);
      });
      for (const node of nodes) {
        node.child.once('exit', (code, signal) => {
          if (!closing) log(`${node.name} exited (${signal ?? code}); haproxy sends its requests to the other nodes`);
        });
      }
      const urlHost = host === '0.0.0.0' || host === '::' ? defaultHost : host.includes(':') ? `[${host}]` : host;
      const url = `http://${urlHost}:${lbPort}`;
      forgetRecord = writeServerRecord(dataDir, {
        url,
        pid: process.pid,
        dialect: 'postgres',
        key: secretFlag ? { given: 'flag' } : { file: join(dataDir, 'node1', 'keys.json') },
        started_at: new Date().toISOString(),
      });
      process.stdout.write(
        `OpenTill cluster: ${count} node${count > 1 ? 's' : ''} behind haproxy on ${url} (postgres)\n` +
          `  secret key:      ${first.secretKey}\n` +
          `  publishable key: ${first.publishableKey}\n` +
          nodes
            .map(
              (node) =>
                `  ${node.name}:${' '.repeat(Math.max(1, 15 - node.name.length))}${node.url} (pid ${node.child.pid})\n`,
            )
            .join('') +
          `  haproxy:         ${haproxy} -f ${config} (pid ${balancer.pid})\n` +
          'Ctrl-C stops them all.\n',
      );
    } catch (error) {
      if (balancer) await stopChild(balancer);
      await Promise.all(nodes.map((node) => stopChild(node.child)));
      throw error;
    }
    return new Promise<never>(() => undefined);
  },
};
