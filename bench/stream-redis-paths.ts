/**
 * The two paths bench/stream-redis.bench.ts compares, each run against the same private Redis:
 * ours (EventWriter → Lua append → pub/sub wake-up → EventRelay.follow) and a raw baseline
 * (one XADD per event, one XREAD BLOCK connection over all streams).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { EventRelay, EventWriter, SessionEventLog } from '../libs/stream/src';
import {
  Deliveries,
  generateLoad,
  until,
  type BenchPayload,
  type LoadShape,
} from './stream-redis-load';

export interface PathResult {
  pushed: number;
  deliveries: Deliveries;
  seconds: number;
}

/** Ours: one writer connection (a worker) and one relay (a gateway: 2 connections). */
export async function measureRelay(url: string, shape: LoadShape): Promise<PathResult> {
  const writerRedis = new Redis(url);
  const relayRedis = new Redis(url);
  const log = new SessionEventLog(writerRedis);
  const relay = new EventRelay(relayRedis);
  const ids = Array.from({ length: shape.sessions }, () => `bench-${randomUUID()}`);
  const deliveries = new Deliveries(shape.sessions);
  const stop = new AbortController();
  const follows = ids.map((id, s) =>
    relay.follow(id, undefined, (e) => deliveries.record(s, e.data as BenchPayload), stop.signal),
  );
  await until('subscriptions', () => relay.watchedSessions === shape.sessions);
  const writers = ids.map((id) => new EventWriter(log, id));
  const started = performance.now();
  const pushed = sum(
    await generateLoad(shape, {
      send: (s, payload) => writers[s].push({ turn: 1, kind: 'claude', data: payload }),
      capacity: (s) => writers[s].waitForCapacity(),
    }),
  );
  await Promise.all(writers.map((w) => w.close()));
  await until('every event relayed', () => deliveries.count >= pushed);
  const seconds = (performance.now() - started) / 1000;
  stop.abort();
  await Promise.all(follows);
  await relay.close();
  await Promise.all([writerRedis.quit(), relayRedis.quit()]);
  return { pushed, deliveries, seconds };
}

/** Baseline: the least Redis can do for the same hand-off (no seq, no batching, no pub/sub). */
export async function measureRawStreams(url: string, shape: LoadShape): Promise<PathResult> {
  const writer = new Redis(url);
  const reader = new Redis(url);
  const keys = Array.from({ length: shape.sessions }, () => `bench:{${randomUUID()}}:raw`);
  const deliveries = new Deliveries(shape.sessions);
  let stopped = false;
  const reading = readLoop(reader, keys, deliveries, () => stopped);
  const started = performance.now();
  const writes: Array<Promise<unknown>> = [];
  const pushed = sum(
    await generateLoad(shape, {
      send: (s, payload) => {
        writes.push(writer.xadd(keys[s], '*', 'data', JSON.stringify(payload)));
        return writes.length < 20_000;
      },
      capacity: async () => {
        await Promise.all(writes.splice(0));
      },
    }),
  );
  await Promise.all(writes);
  await until('every raw event read', () => deliveries.count >= pushed);
  const seconds = (performance.now() - started) / 1000;
  stopped = true;
  reader.disconnect(); // ends the pending XREAD BLOCK at once
  await reading.catch(() => undefined);
  await writer.quit();
  return { pushed, deliveries, seconds };
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

async function readLoop(
  reader: Redis,
  keys: string[],
  deliveries: Deliveries,
  stopped: () => boolean,
): Promise<void> {
  const index = new Map(keys.map((k, i) => [k, i]));
  const cursors = keys.map(() => '0-0');
  while (!stopped()) {
    const reply = (await reader.xread(
      'COUNT',
      1000,
      'BLOCK',
      1000,
      'STREAMS',
      ...keys,
      ...cursors,
    )) as XReadReply;
    for (const [key, entries] of reply ?? []) {
      const s = index.get(key)!;
      for (const [id, fields] of entries) {
        deliveries.record(s, JSON.parse(fields[1]) as BenchPayload);
        cursors[s] = id;
      }
    }
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
