import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { logFieldsMixin } from './log-context';
import { prettyStream, resolveLogFormat, type LogFormatSetting } from './log-format';

/** Paths whose values never reach a log line, whatever object is logged. */
const REDACT = [
  '*.apiKey',
  '*.apiKeys',
  '*.key',
  '*.secretAccessKey',
  '*.accessKeyId',
  '*.anthropicApiKey',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
];

export function createLogger(
  level: string,
  name: string,
  format: LogFormatSetting = 'auto',
): Logger {
  const options = {
    name,
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    mixin: logFieldsMixin,
  };
  return pino(options, resolveLogFormat(format) === 'pretty' ? prettyStream() : stdoutJson());
}

let sharedStdout: DestinationStream | undefined;

/**
 * One stdout destination for every JSON logger of the process (pino's default, asynchronous
 * SonicBoom, made once): each logger with its own buffer would flush out of order, and
 * `npm start`'s gateway, worker and start-up records would interleave by chance.
 */
function stdoutJson(): DestinationStream {
  sharedStdout ??= pino.destination({ fd: process.stdout.fd || 1 });
  return sharedStdout;
}

/**
 * Nest's own start-up chatter (a line per module loaded and per route mapped: ~30 lines before
 * the one that matters), kept at debug so that info shows what an operator acts on.
 */
const NEST_BOOTSTRAP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Lets Nest's own messages go through pino, so there is one log format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && NEST_BOOTSTRAP_CONTEXTS.has(context)) {
      this.logger.debug({ context }, String(message));
    } else {
      this.logger.info({ context }, String(message));
    }
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
