import { buildCliArgs } from './cli-flags';
import { ClaudeOptionsInvalid } from './errors';

const BASE = ['-p', '--input-format=stream-json', '--output-format=stream-json', '--verbose'];
const ID = '11111111-2222-4333-8444-777777777777';

describe('buildCliArgs', () => {
  it('always runs headless stream-json with --verbose', () => {
    expect(buildCliArgs({})).toEqual(BASE);
  });

  it('maps every option to its flag, values in --flag=value form', () => {
    expect(
      buildCliArgs({
        includePartialMessages: true,
        replayUserMessages: true,
        model: 'claude-sonnet-4-6',
        resume: ID,
        forkSession: true,
        permissionMode: 'acceptEdits',
        allowedTools: ['Read', 'Bash(git diff *)'],
        hostPermissionPrompts: true,
        maxTurns: 3,
        appendSystemPrompt: '-- be brief',
        settingSources: 'user,local',
        strictMcpConfig: true,
        settings: '{"disableAllHooks":true}',
        extraArgs: ['--debug'],
      }),
    ).toEqual([
      ...BASE,
      '--include-partial-messages',
      '--replay-user-messages',
      '--model=claude-sonnet-4-6',
      `--resume=${ID}`,
      '--fork-session',
      '--permission-mode=acceptEdits',
      '--allowedTools=Read,Bash(git diff *)',
      '--permission-prompts=host',
      '--permission-prompt-tool=stdio',
      '--max-turns=3',
      '--append-system-prompt=-- be brief',
      '--setting-sources=user,local',
      '--strict-mcp-config',
      '--settings={"disableAllHooks":true}',
      '--debug',
    ]);
  });

  it('passes an empty setting-sources list as "no sources", and omits unset ones', () => {
    expect(buildCliArgs({ settingSources: '' })).toEqual([...BASE, '--setting-sources=']);
    expect(buildCliArgs({ strictMcpConfig: false })).toEqual(BASE);
  });

  it.each([
    [{ resume: '--dangerously-skip-permissions' }, 'resume'],
    [{ model: '--foo' }, 'model'],
    [{ permissionMode: 'yolo' }, 'permissionMode'],
    [{ allowedTools: ['Read,Bash'] }, 'allowedTools'],
    [{ maxTurns: 0 }, 'maxTurns'],
    [{ forkSession: true }, 'forkSession needs resume'],
    [{ settingSources: 'user,--bare' }, 'settingSources'],
    [{ settingSources: 'policy' }, 'settingSources'],
    [{ settings: '' }, 'settings'],
  ])('refuses %j with a message naming %s', (flags, field) => {
    expect(() => buildCliArgs(flags as never)).toThrow(ClaudeOptionsInvalid);
    expect(() => buildCliArgs(flags as never)).toThrow(field);
  });
});
