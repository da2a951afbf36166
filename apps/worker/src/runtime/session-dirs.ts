import { join, resolve } from 'node:path';

/** A session's directories on this worker: workspace, Claude config dir and a private HOME. */
export interface SessionDirs {
  root: string;
  workspaceDir: string;
  configDir: string;
  home: string;
}

export function sessionDirs(dataDir: string, sessionId: string): SessionDirs {
  const root = resolve(dataDir, 'sessions', sessionId);
  return {
    root,
    workspaceDir: join(root, 'ws'),
    configDir: join(root, 'cfg'),
    home: join(root, 'home'),
  };
}
