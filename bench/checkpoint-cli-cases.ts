import type { TranscriptCase } from './checkpoint-cli-transcripts';

/**
 * With its default system prompt and tools, 2.1.331 writes ~140 kB on the first turn (prompt
 * snapshots, api-request shapes and blobs). `--bare` with no tools and a one-line system prompt
 * is the smallest real transcript it writes: ~5 kB for a short turn.
 */
const MINIMAL = ['--bare', '--tools=', '--system-prompt=Answer briefly.'];
const WORKER_LIKE = ['--allowedTools=Bash'];

export const CASES: TranscriptCase[] = [
  {
    id: 'minimal-2-turns',
    label: '~10 kB (2 short turns, --bare)',
    flags: MINIMAL,
    targetBytes: 0,
    replyBytes: 220,
    lastReplyBytes: 1_500,
    tools: false,
    minTurns: 2,
  },
  {
    id: 'default-2-turns',
    label: '~150 kB (2 short tool turns)',
    flags: WORKER_LIKE,
    targetBytes: 0,
    replyBytes: 220,
    lastReplyBytes: 1_500,
    tools: true,
    minTurns: 2,
  },
  {
    id: 'default-1mb',
    label: '~1 MB (tool turns, 200 kB replies)',
    flags: WORKER_LIKE,
    targetBytes: 1_000_000,
    replyBytes: 200_000,
    lastReplyBytes: 30_000,
    tools: true,
    minTurns: 2,
  },
  {
    id: 'default-20mb',
    label: '~20 MB (tool turns, 1 MB replies)',
    flags: WORKER_LIKE,
    targetBytes: 20_000_000,
    replyBytes: 1_000_000,
    lastReplyBytes: 30_000,
    tools: true,
    minTurns: 2,
  },
];
