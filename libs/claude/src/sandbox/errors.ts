/** bubblewrap cannot run here; `reason` says why and what the operator can do about it. */
export class SandboxUnavailable extends Error {
  override readonly name = 'SandboxUnavailable';
  constructor(readonly reason: string) {
    super(`bubblewrap sandbox unavailable: ${reason}`);
  }
}

/** A launch spec the sandbox cannot honour (e.g. a relative host path bwrap would misread). */
export class SandboxSpecInvalid extends Error {
  override readonly name = 'SandboxSpecInvalid';
  constructor(detail: string) {
    super(`invalid sandbox launch: ${detail}`);
  }
}
