import { existsSync, readFileSync } from 'node:fs';
import { detectCgroups, locateCgroups } from './cgroups';

const dirs = (found: ReturnType<typeof locateCgroups>) =>
  found.v1.map((h) => [[...h.controllers].join(','), h.dir]);

describe('locateCgroups', () => {
  it('cgroup v1 hybrid (this kind of VM): one directory per controller, v2 mounted aside', () => {
    const found = locateCgroups(
      [
        '30 24 0:26 / /sys/fs/cgroup/cpu rw,relatime shared:8 - cgroup cgroup rw,cpu',
        '33 24 0:29 / /sys/fs/cgroup/memory rw,relatime shared:11 - cgroup cgroup rw,memory',
        '37 24 0:33 / /sys/fs/cgroup/pids rw,relatime shared:15 - cgroup cgroup rw,pids',
        '39 24 0:35 / /sys/fs/cgroup/unified rw,relatime shared:17 - cgroup2 cgroup2 rw',
      ].join('\n'),
      '8:pids:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n',
    );
    expect(dirs(found)).toEqual([
      ['cpu', '/sys/fs/cgroup/cpu'],
      ['memory', '/sys/fs/cgroup/memory/process_api/abc'],
      ['pids', '/sys/fs/cgroup/pids'],
    ]);
    expect(found.v2).toEqual({ dir: '/sys/fs/cgroup/unified' });
  });

  it('systemd v1 with cpu,cpuacct co-mounted, and a container mount of its own sub-tree', () => {
    const found = locateCgroups(
      [
        '31 25 0:27 /docker/c1 /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct',
        '32 25 0:28 /docker/c1 /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids',
      ].join('\n'),
      '5:pids:/docker/c1\n3:cpu,cpuacct:/docker/c1\n',
    );
    expect(dirs(found)).toEqual([
      ['cpu', '/sys/fs/cgroup/cpu,cpuacct'],
      ['pids', '/sys/fs/cgroup/pids'],
    ]);
  });

  it('cgroup v2 in a Kubernetes container (cgroup namespace: the pod sees its cgroup as /)', () => {
    const found = locateCgroups(
      '1226 1220 0:29 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n',
      '0::/\n',
    );
    expect(found).toEqual({ v1: [], v2: { dir: '/sys/fs/cgroup' } });
  });

  it('cgroup v2 after the worker moved itself into its leaf: sessions go beside it', () => {
    const found = locateCgroups(
      '26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      '0::/system.slice/worker.service/claude-worker\n',
    );
    expect(found.v2).toEqual({ dir: '/sys/fs/cgroup/system.slice/worker.service' });
  });
});

describe('detectCgroups on this machine', () => {
  it('creates and removes session cgroups where it can, or says why not', async () => {
    const detected = await detectCgroups();
    if (!detected.ok) {
      expect(detected.reason).toMatch(/cgroup/);
      return;
    }
    const { cgroups } = detected;
    const leaf = await cgroups.create({ maxProcesses: 33, maxMemoryBytes: 1024 ** 3 });
    expect(leaf.procsFiles.length).toBeGreaterThan(0);
    const files = leaf.procsFiles.map((f) => f.replace(/cgroup\.procs$/, ''));
    const text = (name: string) =>
      files
        .map((d) => `${d}${name}`)
        .filter(existsSync)
        .map((f) => readFileSync(f, 'utf8').trim());
    expect(text('pids.max')).toEqual(['33']);
    expect([...text('memory.max'), ...text('memory.limit_in_bytes')]).toEqual([String(1024 ** 3)]);
    expect(await leaf.usage()).toMatchObject({ oomKills: 0, processLimitHits: 0 });
    await leaf.release();
    for (const file of leaf.procsFiles) expect(existsSync(file)).toBe(false);
  });
});
