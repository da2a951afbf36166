import { ZERO_USAGE } from '@app/contracts';
import { randomBytes } from 'node:crypto';
import type { CheckpointMeta } from '../checkpoint/checkpoint-store';
import type { ChunkingOptions } from '../chunking/fastcdc';
import type { ObjectStore } from '../object-store/object-store';

/** One backend under test: a store with its own empty namespace, and how to dispose of it. */
export interface StoreUnderTest {
  objects: ObjectStore;
  close(): Promise<void>;
}

export type OpenStore = () => Promise<StoreUnderTest>;

/** Small chunks so a few hundred kB make dozens of chunks and several chunk pages. */
export const SMALL_CHUNKS: ChunkingOptions = { minSize: 1024, avgSize: 4096, maxSize: 16384 };

export const uniqueTenant = (): string => `t-${randomBytes(4).toString('hex')}`;

export function meta(turn = 1, claudeSessionId = 'claude-abc'): CheckpointMeta {
  return {
    turn,
    session: {
      options: { model: 'claude-test', allowedTools: ['Bash'] },
      claudeSessionId,
      usage: { ...ZERO_USAGE, input_tokens: 10 * turn, output_tokens: 5 * turn },
      costUsd: 0.001 * turn,
      turns: turn,
      completedTurns: turn,
      model: 'claude-test',
    },
    events: { lastId: `${1700000000000 + turn}-0`, lastSeq: 4 * turn },
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
