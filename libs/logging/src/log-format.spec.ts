import { resolveLogFormat } from './log-format';
import { PinoNestLogger } from './logger';
import { capturedLog } from './spec/captured-log';

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
  function capture() {
    const { logger, lines } = capturedLog();
    return { logger: new PinoNestLogger(logger), lines };
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
