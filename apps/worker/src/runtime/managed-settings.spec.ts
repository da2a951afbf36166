import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { managedSettingsJson } from './managed-settings';

describe('managedSettingsJson', () => {
  const dir = mkdtempSync(join(tmpdir(), 'managed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes inline JSON through, compacted', () => {
    expect(managedSettingsJson(' { "disableAllHooks": true }')).toBe('{"disableAllHooks":true}');
  });

  it('reads a file once so the sandboxed CLI needs no host path', () => {
    const file = join(dir, 'managed.json');
    writeFileSync(file, '{\n  "permissions": { "deny": ["WebFetch"] }\n}\n');
    expect(managedSettingsJson(file)).toBe('{"permissions":{"deny":["WebFetch"]}}');
  });

  it('refuses what the CLI could not use, naming the problem', () => {
    expect(() => managedSettingsJson(join(dir, 'missing.json'))).toThrow(
      /cannot read .*missing\.json/,
    );
    expect(() => managedSettingsJson('{ nope')).toThrow(/not valid JSON/);
    expect(() => managedSettingsJson('{}')).not.toThrow();
    writeFileSync(join(dir, 'list.json'), '[1]');
    expect(() => managedSettingsJson(join(dir, 'list.json'))).toThrow(/JSON object/);
  });

  it('is unset when the variable is', () => {
    expect(managedSettingsJson(undefined)).toBeUndefined();
  });
});
