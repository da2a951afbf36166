import { ClientError } from '@app/contracts';

export type WebhookUrlRefusal = 'url_not_allowed' | 'private_address' | 'host_not_found';

/**
 * A webhook URL the policy refuses (WEBHOOK_ALLOWED_URLS, private addresses): at webhook_set the
 * caller's error, at delivery the end of that delivery (a retry would be refused again).
 */
export class WebhookUrlRefused extends ClientError {
  override readonly name = 'WebhookUrlRefused';
  constructor(
    readonly reason: WebhookUrlRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** webhook_set for a tenant whose webhook the operator set (WEBHOOKS), which wins. */
export class WebhookManagedByOperator extends ClientError {
  override readonly name = 'WebhookManagedByOperator';
  constructor(tenant: string) {
    super(
      `the webhook of tenant ${tenant} is set by the operator (WEBHOOKS) and cannot be changed ` +
        'with webhook_set; ask the operator to change or remove it',
    );
  }
}
