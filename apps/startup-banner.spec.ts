import { clientSetupCommand, readyLines, type ReadyFacts } from './startup-banner';

const base: ReadyFacts = { baseUrl: 'http://127.0.0.1:3000', tenants: [] };

describe('start-up banner', () => {
  it('no keys: the loopback-only mode, and a set-up command without a header', () => {
    expect(clientSetupCommand(base)).toBe(
      'claude mcp add --transport http claude-sessions http://127.0.0.1:3000/mcp',
    );
    expect(readyLines(base).join('\n')).toContain('no keys (MCP_API_KEYS unset)');
  });

  it('keys: names the tenants, puts a placeholder where the key goes', () => {
    const facts = { ...base, tenants: ['acme', 'globex'] };
    expect(clientSetupCommand(facts)).toBe(
      'claude mcp add --transport http claude-sessions http://127.0.0.1:3000/mcp ' +
        '--header "Authorization: Bearer <key of tenant acme>"',
    );
    expect(readyLines(facts)).toContain(
      '  Auth:             bearer keys from MCP_API_KEYS for tenants acme, globex',
    );
  });

  it('adds the dashboard and the credentials warning only when they apply', () => {
    expect(readyLines(base).join('\n')).not.toMatch(/Queue dashboard|Warning/);
    const lines = readyLines({
      ...base,
      dashboard: { writable: true },
      credentialsMissing: true,
    });
    expect(lines).toContain(
      '  Queue dashboard:  http://127.0.0.1:3000/admin/queues (WRITABLE; an ADMIN_API_KEYS key as password)',
    );
    expect(lines).toContain(
      '  Warning:          no Anthropic credentials: set ANTHROPIC_API_KEY, or every turn fails (no_credentials)',
    );
  });
});
