import { join } from 'node:path';

/**
 * Claude's project folder name for a working directory: every character but ASCII letters
 * and digits becomes `-` (`/srv/a.b_c d` → `-srv-a-b-c-d`). Paths whose name would exceed
 * 200 characters are hashed by the CLI, so workers keep working directories short.
 */
export function projectDirName(cwd: string): string {
  const name = cwd.normalize('NFC').replace(/[^A-Za-z0-9]/g, '-');
  if (name.length > 200) {
    throw new RangeError(`working directory path too long for a stable transcript path: ${cwd}`);
  }
  return name;
}

/** Where the CLI keeps (and `--resume` looks for) a session's transcript. */
export function transcriptPath(configDir: string, visibleCwd: string, sessionId: string): string {
  return join(configDir, 'projects', projectDirName(visibleCwd), `${sessionId}.jsonl`);
}
