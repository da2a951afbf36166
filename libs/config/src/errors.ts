/** The environment does not describe a runnable system; the message names each variable to fix. */
export class ConfigInvalid extends Error {
  override readonly name = 'ConfigInvalid';
  constructor(detail: string) {
    super(`Invalid configuration: ${detail}`);
  }
}
