import { buildCliArgs } from '@app/claude';
import type { SessionRecord } from '@app/contracts';
import { flagsFor } from './live-session-registry';

const record: SessionRecord = {
  id: '00000000-0000-4000-8000-000000000001',
  tenant: 'acme',
  status: 'queued',
  createdAt: 0,
  updatedAt: 0,
  turns: 1,
  completedTurns: 0,
  options: {
    model: 'claude-test',
    allowedTools: ['Bash'],
    workspace: { seedTree: 'a'.repeat(64) },
  },
  usage: {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
  costUsd: 0,
};

describe('flagsFor', () => {
  it("applies the operator's settings policy to every CLI the worker starts", () => {
    const args = buildCliArgs(
      flagsFor(
        record,
        { resume: '11111111-1111-4111-8111-111111111111' },
        {
          settingSources: 'user',
          strictMcpConfig: true,
          settings: '{"disableAllHooks":true}',
        },
      ),
    );
    expect(args).toEqual(
      expect.arrayContaining([
        '--setting-sources=user',
        '--strict-mcp-config',
        '--settings={"disableAllHooks":true}',
        '--resume=11111111-1111-4111-8111-111111111111',
        '--model=claude-test',
      ]),
    );
  });

  it('never lets session options (client input) choose the settings sources', () => {
    const hostile = {
      ...record,
      options: { ...record.options, settingSources: 'user,project' } as SessionRecord['options'],
    };
    const args = buildCliArgs(
      flagsFor(hostile, {}, { settingSources: 'user', strictMcpConfig: true }),
    );
    expect(args).toContain('--setting-sources=user');
    expect(args.join(' ')).not.toContain('project');
  });
});
