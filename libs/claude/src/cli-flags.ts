import { z } from 'zod';
import { ClaudeOptionsInvalid } from './errors';

export const PERMISSION_MODES = [
  'default',
  'acceptEdits',
  'plan',
  'auto',
  'dontAsk',
  'bypassPermissions',
] as const;

const uuid = z.string().uuid();
/** Tool rules like `Bash(git diff *)`; commas separate rules on the command line. */
const toolRule = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^,\n\r]+$/, 'a tool rule cannot contain commas or newlines');

/** What a session may choose about its CLI process; the single source of the flag types. */
export const ClaudeFlagsSchema = z.object({
  includePartialMessages: z.boolean().optional(),
  /** Echo each message the CLI reads on stdin as a `user` line (`isReplay: true`). */
  replayUserMessages: z.boolean().optional(),
  model: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:[\]@/-]*$/, 'model names are letters, digits and ._:-[]@/')
    .optional(),
  resume: uuid.optional(),
  forkSession: z.boolean().optional(),
  permissionMode: z.enum(PERMISSION_MODES).optional(),
  allowedTools: z.array(toolRule).max(100).optional(),
  /**
   * Permission prompts go to the host over stdio (`control_request` can_use_tool lines, answered
   * on stdin) instead of being refused at once: `--permission-prompts host
   * --permission-prompt-tool stdio`. See permission-prompts.ts.
   */
  hostPermissionPrompts: z.boolean().optional(),
  maxTurns: z.number().int().min(1).max(1000).optional(),
  appendSystemPrompt: z
    .string()
    .max(64 * 1024)
    .optional(),
  /**
   * Which settings files the CLI loads (`--setting-sources`): `user` (the session's own config
   * dir) keeps a repository's `.claude/settings*.json` hooks, `CLAUDE.md`, skills and agents out;
   * the empty string loads none. Operator's choice, never client input.
   */
  settingSources: z
    .string()
    .regex(
      /^(|(user|project|local)(,(user|project|local))*)$/,
      'a comma list of user, project, local',
    )
    .optional(),
  /** Only MCP servers from `--mcp-config`, never a repository's `.mcp.json` (`--strict-mcp-config`). */
  strictMcpConfig: z.boolean().optional(),
  /** Settings applied over every source (`--settings`): a JSON string or a file path the CLI can see. */
  settings: z
    .string()
    .min(1)
    .max(256 * 1024)
    .optional(),
  /** Operator-chosen flags; never filled from client input. */
  extraArgs: z.array(z.string()).optional(),
});
export type ClaudeFlags = z.infer<typeof ClaudeFlagsSchema>;

/**
 * The argument vector after the binary. Values use the `--flag=value` form so that a value
 * starting with `-` can never be read as another flag.
 */
export function buildCliArgs(input: ClaudeFlags): string[] {
  const parsed = ClaudeFlagsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ClaudeOptionsInvalid(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const f = parsed.data;
  if (f.forkSession && !f.resume) throw new ClaudeOptionsInvalid('forkSession needs resume');
  const args = ['-p', '--input-format=stream-json', '--output-format=stream-json', '--verbose'];
  if (f.includePartialMessages) args.push('--include-partial-messages');
  if (f.replayUserMessages) args.push('--replay-user-messages');
  if (f.model) args.push(`--model=${f.model}`);
  if (f.resume) args.push(`--resume=${f.resume}`);
  if (f.forkSession) args.push('--fork-session');
  if (f.permissionMode) args.push(`--permission-mode=${f.permissionMode}`);
  if (f.allowedTools?.length) args.push(`--allowedTools=${f.allowedTools.join(',')}`);
  if (f.hostPermissionPrompts) {
    args.push('--permission-prompts=host', '--permission-prompt-tool=stdio');
  }
  if (f.maxTurns) args.push(`--max-turns=${f.maxTurns}`);
  if (f.appendSystemPrompt !== undefined) {
    args.push(`--append-system-prompt=${f.appendSystemPrompt}`);
  }
  if (f.settingSources !== undefined) args.push(`--setting-sources=${f.settingSources}`);
  if (f.strictMcpConfig) args.push('--strict-mcp-config');
  if (f.settings !== undefined) args.push(`--settings=${f.settings}`);
  return [...args, ...(f.extraArgs ?? [])];
}
