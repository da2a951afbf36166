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

/** A `SANDBOX_PROXY_ALLOW` entry or API base URL the egress proxy cannot turn into host:port. */
export class EgressAllowInvalid extends Error {
  override readonly name = 'EgressAllowInvalid';
  constructor(detail: string) {
    super(`invalid sandbox egress allow-list: ${detail}`);
  }
}

/** A resource limit the sandboxed CLI could not run under (e.g. too little address space). */
export class SandboxLimitInvalid extends Error {
  override readonly name = 'SandboxLimitInvalid';
  constructor(detail: string) {
    super(`invalid sandbox resource limit: ${detail}`);
  }
}
