import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { logFieldsMixin } from '../log-context';

/**
 * A pino logger as the apps make it (the scope's ids mixed in), writing into memory, and the
 * JSON lines it wrote: for specs that assert what is logged.
 */
export function capturedLog(level = 'info'): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
} {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return {
    logger: pino({ level, mixin: logFieldsMixin }, sink),
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
