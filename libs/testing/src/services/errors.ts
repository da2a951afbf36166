/** A test service (Redis, S3) could not be started or brought back; the message says what to try. */
export class TestServiceStartFailed extends Error {
  override readonly name = 'TestServiceStartFailed';
  constructor(
    readonly service: string,
    detail: string,
    readonly logTail?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${service} did not start: ${detail}` +
        (logTail ? `\n--- last log lines ---\n${logTail}` : ''),
      options,
    );
  }
}

/** The chosen source cannot do this (e.g. restarting a shared REDIS_URL server). */
export class TestServiceUnsupported extends Error {
  override readonly name = 'TestServiceUnsupported';
  constructor(service: string, operation: string, reason: string) {
    super(`${service}: ${operation}() is not supported: ${reason}`);
  }
}

/** The environment names a service source but is incomplete or malformed. */
export class TestServiceConfigInvalid extends Error {
  override readonly name = 'TestServiceConfigInvalid';
  constructor(detail: string) {
    super(`Invalid test service configuration: ${detail}`);
  }
}
