import fs from 'node:fs';
import { Cluster } from 'ioredis';
import { isPortOpen, LOOPBACK } from '../net';
import { startTestRedisCluster, type TestRedisCluster } from './redis-cluster';

/** The real thing: six redis-server processes joined by redis-cli, then a master killed. */
describe('startTestRedisCluster', () => {
  let cluster: TestRedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startTestRedisCluster({ label: 'cluster-spec' });
    client = new Cluster([{ host: LOOPBACK, port: cluster.nodes[0].port }], {
      keyPrefix: cluster.keyPrefix,
    });
    client.on('error', () => undefined);
  });
  afterAll(async () => {
    client?.disconnect();
    await cluster?.close();
  });

  it('forms three masters with a replica each, on loopback, from one seed URL', async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.url).toBe(`redis://${LOOPBACK}:${cluster.nodes[0].port}`);
    expect(cluster.env()).toEqual({ REDIS_URL: cluster.url });
    expect(cluster.nodes.every((n) => n.host === LOOPBACK && n.port !== 6379)).toBe(true);
    // Keys with different hash tags spread over the masters; each is served where it lives.
    const tags = Array.from({ length: 30 }, (_, i) => `{tag-${i}}`);
    await Promise.all(tags.map((tag) => client.set(`${tag}:k`, tag)));
    expect(await Promise.all(tags.map((tag) => client.get(`${tag}:k`)))).toEqual(tags);
    const masters = await Promise.all(
      tags.map((tag) => cluster.masterOf(`${cluster.keyPrefix}${tag}:k`)),
    );
    expect(new Set(masters.map((m) => m.port)).size).toBe(3);
  });

  it('fails over: the replica of the killed master serves its slots, with their data', async () => {
    const key = '{failover}:k';
    await client.set(key, 'kept');
    // Replication is asynchronous: kill the master only once its replica has the write.
    await cluster.replicated(`${cluster.keyPrefix}${key}`);
    const before = await cluster.masterOf(`${cluster.keyPrefix}${key}`);
    const failover = await cluster.failover(`${cluster.keyPrefix}${key}`);
    expect(failover.killed).toBe(before);
    expect(failover.killed.running).toBe(false);
    expect(failover.promoted.port).not.toBe(before.port);
    expect((await cluster.masterOf(`${cluster.keyPrefix}${key}`)).port).toBe(
      failover.promoted.port,
    );
    expect(failover.ms).toBeGreaterThan(0);
    expect(await client.get(key)).toBe('kept');
    // The killed node comes back as a replica of the one that took over.
    await failover.killed.start();
    await cluster.waitUntilHealthy();
    expect((await cluster.masterOf(`${cluster.keyPrefix}${key}`)).port).toBe(
      failover.promoted.port,
    );
  });

  it('counts subscribers over every node', async () => {
    const subscriber = client.duplicate();
    subscriber.on('error', () => undefined);
    try {
      await subscriber.subscribe('a-channel');
      expect(await cluster.subscribers('a-channel')).toBe(1);
    } finally {
      subscriber.disconnect();
    }
  });

  it('close() stops every node and removes their dirs', async () => {
    const nodes = [...cluster.nodes];
    client.disconnect();
    await cluster.close();
    await cluster.close();
    for (const node of nodes) {
      expect(await isPortOpen(node.host, node.port)).toBe(false);
      expect(fs.existsSync(node.dataDir)).toBe(false);
    }
  });
});
