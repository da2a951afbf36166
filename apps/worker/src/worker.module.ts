import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '@app/config';
import { ClaudeCliModule } from './cli/claude-cli.module';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [ConfigModule.forRoot(config), ClaudeCliModule] };
  }
}
