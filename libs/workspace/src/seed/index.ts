export { checkSeed, materializeSeed } from './materialize';
export { SeedRejected, SeedTargetInvalid, type SeedRejectReason } from './errors';
export { formatBytes, seedLimitsOf, type SeedLimits } from './seed-limits';
export type { TreeTotals as SeedTotals } from './tree-scan';
