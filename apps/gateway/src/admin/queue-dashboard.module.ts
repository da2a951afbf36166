import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { QueueDashboard } from './queue-dashboard';

/**
 * The operators' queue dashboard, present only with ADMIN_API_KEYS: without operator keys
 * nothing is mounted and /admin/queues answers 404 like any unknown path.
 */
@Module({})
export class QueueDashboardModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: QueueDashboardModule,
      providers: config.admin.apiKeys.length > 0 ? [QueueDashboard] : [],
    };
  }
}
