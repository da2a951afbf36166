export {
  WorkspaceNotAFile,
  WorkspacePathInvalid,
  WorkspacePathNotFound,
  WorkspaceRestoreRefused,
  WorkspaceRootInvalid,
} from './errors';
export { StatCache, type StatCacheOptions } from './stat-cache';
export type { SkippedEntry } from './skip-report';
export { snapshotWorkspace, type SnapshotOptions, type SnapshotResult } from './snapshot';
export { restoreWorkspace, type RestoreOptions, type RestoreResult } from './restore';
export { WorkspaceReader, type ReadResult } from './reader';
export type { WorkspaceEntryInfo, ListOptions } from './list-tree';
export type { DiffFile, DiffOptions, WorkspaceDiff } from './diff-trees';
export { excludeMatcher } from './excludes';
export { asText } from './text';
