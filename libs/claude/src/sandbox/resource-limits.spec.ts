import { formatBytes, prlimitPrefix, unsandboxedLimits } from './resource-limits';

describe('formatBytes', () => {
  it('names a size in the largest unit it reaches', () => {
    expect(formatBytes(2 * 1024 ** 3)).toBe('2 GiB');
    expect(formatBytes(286_756 * 1024)).toBe('280.04 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1000)).toBe('1000 bytes');
  });
});

describe('prlimitPrefix', () => {
  it('sets only the rlimits that are planned', () => {
    expect(prlimitPrefix({ nproc: 0, fsize: 0, as: 0 })).toEqual([]);
    expect(prlimitPrefix({ nproc: 512, fsize: 1024, as: 0 })).toEqual([
      'prlimit',
      '--nproc=512',
      '--fsize=1024',
      '--',
    ]);
  });
});

describe('unsandboxedLimits', () => {
  it('names every configured limit, none that is off', () => {
    const reported = unsandboxedLimits(
      { maxProcesses: 512, maxFileBytes: 0, maxMemoryBytes: 1, maxDiskBytes: 1 },
      'why',
    );
    expect(reported.map((r) => r.variable)).toEqual([
      'SANDBOX_MAX_PROCESSES',
      'SANDBOX_MAX_MEMORY_BYTES',
      'SANDBOX_MAX_DISK_BYTES',
    ]);
  });
});
