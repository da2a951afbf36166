/** The OpenAPI document's words on operator keys (OperatorScope). */

export const OPERATOR_ACCESS =
  'An operator key (ADMIN_API_KEYS) reads every tenant’s sessions: each session route answers ' +
  'as it would the session’s own tenant, and the session list without `tenant` shows the ' +
  'newest sessions of every tenant with a key, each naming its `tenant`, with `tenants` listed. ' +
  'Operators change nothing (403 OperatorReadOnly) unless ADMIN_SESSIONS_WRITABLE=true, and ' +
  'start no session (403 OperatorNoTenant): that is the tenant’s, with its quotas.';

/** session_list's extra parameter, for operator keys only. */
export const OPERATOR_TENANT_PARAMETER = {
  name: 'tenant',
  in: 'query',
  required: false,
  description:
    'Operator keys only: list this tenant’s sessions (paged with `cursor` as the tenant would). ' +
    'A tenant key may not name a tenant (400).',
  schema: { type: 'string' },
};
