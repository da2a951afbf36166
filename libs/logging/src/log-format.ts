import type { DestinationStream } from 'pino';
import pretty from 'pino-pretty';

/** LOG_FORMAT as configured: `auto` picks by where stdout goes. */
export type LogFormatSetting = 'auto' | 'json' | 'pretty';
export type LogFormat = 'json' | 'pretty';

/**
 * A person at a terminal reads lines; a pipe, a container runtime or a log collector parses JSON.
 * So `auto` is pretty only when stdout is a TTY.
 */
export function resolveLogFormat(
  setting: LogFormatSetting,
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTty ? 'pretty' : 'json';
}

/**
 * pino-pretty as a synchronous stream in this thread (no transport worker): start-up lines and
 * a fatal error before exit come out whole and in order with what is written to the console.
 */
export function prettyStream(): DestinationStream {
  return pretty({
    sync: true,
    // A record's fields stay on its line: start-up reads as one line per event.
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}
