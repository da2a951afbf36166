import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverClaudeBinary } from './binary';
import { ClaudeBinaryNotFound } from './errors';

describe('discoverClaudeBinary', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bin-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const executable = (path: string, mode = 0o755) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, mode);
    return path;
  };

  it('uses CLAUDE_BIN when set, even if PATH has one', () => {
    const explicit = executable(join(dir, 'custom', 'my-claude'));
    executable(join(dir, 'path', 'claude'));
    expect(discoverClaudeBinary({ explicit, path: join(dir, 'path'), roots: [] })).toBe(explicit);
  });

  it('does not fall back when CLAUDE_BIN points nowhere', () => {
    executable(join(dir, 'path', 'claude'));
    expect(() =>
      discoverClaudeBinary({ explicit: join(dir, 'nope'), path: join(dir, 'path'), roots: [] }),
    ).toThrow(ClaudeBinaryNotFound);
  });

  it('searches PATH in order, then node_modules/.bin of each root', () => {
    const second = executable(join(dir, 'b', 'claude'));
    expect(
      discoverClaudeBinary({ path: `${join(dir, 'a')}:${join(dir, 'b')}`, roots: [dir] }),
    ).toBe(second);
    rmSync(second);
    const local = executable(join(dir, 'node_modules', '.bin', 'claude'));
    expect(discoverClaudeBinary({ path: join(dir, 'a'), roots: [dir] })).toBe(local);
  });

  it('skips files that are not executable', () => {
    executable(join(dir, 'a', 'claude'), 0o644);
    expect(() => discoverClaudeBinary({ path: join(dir, 'a'), roots: [] })).toThrow(
      ClaudeBinaryNotFound,
    );
  });

  it('names every place it tried', () => {
    const error = (() => {
      try {
        discoverClaudeBinary({ path: `${join(dir, 'a')}:${join(dir, 'b')}`, roots: [dir] });
      } catch (e) {
        return e as ClaudeBinaryNotFound;
      }
      throw new Error('expected a failure');
    })();
    expect(error.tried).toEqual([
      join(dir, 'a', 'claude'),
      join(dir, 'b', 'claude'),
      join(dir, 'node_modules', '.bin', 'claude'),
    ]);
    expect(error.message).toContain(join(dir, 'b', 'claude'));
    expect(error.message).toContain('CLAUDE_BIN');
  });
});
