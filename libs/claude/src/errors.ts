/** No claude executable was found; the message lists every place that was tried. */
export class ClaudeBinaryNotFound extends Error {
  override readonly name = 'ClaudeBinaryNotFound';
  constructor(readonly tried: string[]) {
    super(
      `claude CLI not found. Tried: ${tried.join(', ')}. ` +
        'Install @anthropic-ai/claude-code or set CLAUDE_BIN to the executable.',
    );
  }
}

/** The OS refused to start the CLI (missing file, no exec permission, bad cwd). */
export class ClaudeSpawnFailed extends Error {
  override readonly name = 'ClaudeSpawnFailed';
  constructor(command: string, cause: Error) {
    super(`could not start ${command}: ${cause.message}`, { cause });
  }
}

/** Options for a CLI process failed validation before anything was spawned. */
export class ClaudeOptionsInvalid extends Error {
  override readonly name = 'ClaudeOptionsInvalid';
  constructor(detail: string) {
    super(`invalid claude options: ${detail}`);
  }
}

/** The process is gone (or its stdin closed): a message cannot be delivered. */
export class ClaudeProcessClosed extends Error {
  override readonly name = 'ClaudeProcessClosed';
  constructor(pid: number | undefined) {
    super(`claude process ${pid ?? '?'} no longer accepts input`);
  }
}
