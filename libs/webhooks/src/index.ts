export * from './errors';
export { webhookQueueFrom, webhookTargetsFrom } from './from-config';
export { newWebhookSecret, signedHeaders, signWebhook } from './signature';
export { StatusHookedEventLog } from './status-hooked-event-log';
export {
  StatusWebhooks,
  type ObservedEvent,
  type SessionFacts,
  type StatusWebhooksDeps,
} from './status-webhooks';
export { checkWebhookAddress, parseWebhookUrl, type WebhookUrl } from './url-policy';
export {
  stopRetrying,
  WebhookQueue,
  type DeliveryAttempt,
  type WebhookHandler,
  type WebhookQueueOptions,
} from './webhook-queue';
export { WebhookSender, type WebhookSenderDeps } from './webhook-sender';
export { DELIVERY_LOG_LENGTH, WebhookStore, type WebhookTarget } from './webhook-store';
export { WebhookTargets, type WebhookTargetsOptions } from './webhook-targets';
