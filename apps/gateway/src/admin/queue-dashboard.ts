import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { openQueuesForInspection, type InspectedQueues } from '@app/queue';
import { crossSiteWrite, OperatorKeys } from './operator-auth';

/** Fixed path (DESIGN.md: the queue dashboard at `/admin/queues`, operator keys only). */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** Basic, so that a browser prompts for the key; the realm names what it opens. */
const CHALLENGE = 'Basic realm="queues", charset="UTF-8"';

const REFUSALS = {
  missing:
    'Unauthorized: send an operator key (ADMIN_API_KEYS) as Authorization: Bearer <key>, or as ' +
    'the password of HTTP Basic auth (any user name)',
  invalid: 'Unauthorized: the key is not an operator key (ADMIN_API_KEYS)',
  tenant_key:
    'Forbidden: a tenant key (MCP_API_KEYS) cannot open the queue dashboard; use an operator ' +
    'key (ADMIN_API_KEYS)',
} as const;

/**
 * Bull Board over the system's queues, for operators: mounted on the gateway's HTTP server at
 * QUEUE_DASHBOARD_PATH behind OperatorKeys. Read-only unless ADMIN_QUEUES_WRITABLE, since one
 * click there can retry a turn (running a prompt twice) or delete a tenant's queued work.
 *
 * Mounted in onModuleInit: Nest has registered its own routes by then and adds its 404 handler
 * after, so the dashboard's paths are served and any other still answers 404.
 */
@Injectable()
export class QueueDashboard implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('QueueDashboard');
  private inspected?: InspectedQueues;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const { url, keyPrefix, cluster } = this.config.redis;
    if (!url) {
      this.log.warn('ADMIN_API_KEYS is set but REDIS_URL is not: no queue dashboard');
      return;
    }
    this.inspected = openQueuesForInspection({ url, keyPrefix, cluster: cluster === true }, (err) =>
      this.log.debug(`queue dashboard: Redis error: ${err.message}`),
    );
    const writable = this.config.admin.queuesWritable;
    const board = new ExpressAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: this.inspected.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: !writable })),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Claude sessions' } },
    });
    const keys = new OperatorKeys(this.config.admin.apiKeys, this.config.http.apiKeys);
    const router = board.getRouter() as (req: IncomingMessage, res: ServerResponse) => void;
    this.adapterHost.httpAdapter.use(QUEUE_DASHBOARD_PATH, this.guard(keys), router);
    if (writable) {
      this.log.warn(
        `ADMIN_QUEUES_WRITABLE=true: the queue dashboard at ${QUEUE_DASHBOARD_PATH} can retry, ` +
          'promote and delete jobs — a retried turn runs its prompt again, a deleted one is lost. ' +
          'Unset it once the repair is done.',
      );
    } else {
      this.log.log(`queue dashboard at ${QUEUE_DASHBOARD_PATH} (read-only; operator keys only)`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.inspected?.close();
  }

  private guard(keys: OperatorKeys) {
    return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      const access = keys.access(req.headers.authorization);
      if (access.allowed && crossSiteWrite(req.method, req.headers)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Forbidden: the queue dashboard takes changes only from its own page\n');
        return;
      }
      if (access.allowed) {
        // The page holds operator powers: never inside another site's frame.
        res.setHeader('X-Frame-Options', 'DENY');
        res.setHeader('Referrer-Policy', 'no-referrer');
        return next();
      }
      if (access.reason === 'tenant_key') {
        this.log.warn(
          `refused a tenant key at ${QUEUE_DASHBOARD_PATH} from ${req.socket.remoteAddress ?? 'unknown address'}`,
        );
      }
      const headers: Record<string, string> = {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
      };
      if (access.status === 401) headers['WWW-Authenticate'] = CHALLENGE;
      res.writeHead(access.status, headers).end(`${REFUSALS[access.reason]}\n`);
    };
  }
}
