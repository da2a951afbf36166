import { z } from 'zod';
import { placeholderIn, placeholderMessage } from './placeholder-secrets';

/**
 * ADMIN_API_KEYS: comma-separated operator keys (the queue dashboard). Each is 16+ characters and
 * no template placeholder; that none is (or holds) a tenant key is checked beside MCP_API_KEYS in
 * app-config, since a tenant who learns an operator key that contains its own key could guess the
 * rest far more easily, and an equal key would make a tenant an operator.
 */
export const adminKeysVariable = z.string().transform((raw, ctx) => {
  const keys = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return keys.flatMap((key, index) => {
    const which = `operator key #${index + 1}`;
    if (key.length < 16) {
      ctx.addIssue({ code: 'custom', message: `${which} must be at least 16 characters` });
      return [];
    }
    const placeholder = placeholderIn(key);
    if (placeholder) {
      ctx.addIssue({ code: 'custom', message: placeholderMessage(which, placeholder) });
      return [];
    }
    return [key];
  });
});

/**
 * The tenants whose key equals, contains or is contained in an operator key (names only: the
 * message that reports them must never carry a key).
 */
export function tenantsSharingAdminKeys(
  adminKeys: readonly string[],
  tenantKeys: ReadonlyArray<{ tenant: string; key: string }>,
): string[] {
  const clash = ({ key }: { key: string }) =>
    adminKeys.some((admin) => admin.includes(key) || key.includes(admin));
  return [...new Set(tenantKeys.filter(clash).map(({ tenant }) => tenant))];
}
