import { Writable } from 'node:stream';
import pino from 'pino';
import { resolveLogFormat } from './log-format';
import { PinoNestLogger } from './logger';

describe('resolveLogFormat', () => {
  it('auto: readable lines on a terminal, JSON into a pipe or file', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
  });

  it('an explicit LOG_FORMAT wins either way', () => {
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('PinoNestLogger', () => {
  function capture(): { logger: PinoNestLogger; lines: () => Array<Record<string, unknown>> } {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk.toString());
        done();
      },
    });
    return {
      logger: new PinoNestLogger(pino({ level: 'info' }, sink)),
      lines: () =>
        out
          .join('')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  it("keeps Nest's start-up chatter below info, and the app's own messages at info", () => {
    const { logger, lines } = capture();
    logger.log('Mapped {/mcp, POST} route', 'RouterExplorer');
    logger.log('McpModule dependencies initialized', 'InstanceLoader');
    logger.log('Starting Nest application...', 'NestFactory');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.log('queue dashboard at /admin/queues', 'QueueDashboard');
    logger.warn('something to act on', 'RouterExplorer');
    expect(lines().map((l) => l.msg)).toEqual([
      'queue dashboard at /admin/queues',
      'something to act on',
    ]);
  });
});
