import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

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

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

/** Lets Nest's own messages go through pino, so there is one log format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
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
