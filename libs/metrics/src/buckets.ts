/** Histogram buckets in seconds, chosen for what each measures. */
export const BUCKETS = {
  /** Event delivery: milliseconds when healthy, seconds when something backs up. */
  latency: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  /** Queue wait: immediate when a worker is free, minutes under a backlog. */
  queueWait: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
  /** A turn: seconds for a short answer, many minutes for a long agentic run. */
  turn: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  /** A checkpoint: transcript plus changed workspace files, compressed and stored. */
  checkpoint: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  /** Bytes a checkpoint holds (uncompressed): 1 KiB to 1 GiB, by fours. */
  bytes: Array.from({ length: 11 }, (_, i) => 1024 * 4 ** i),
};
