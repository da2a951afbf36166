import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigModule, type AppConfig } from '@app/config';
import { HealthController } from '@app/health';
import { ClaudeCliModule } from './cli/claude-cli.module';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), TerminusModule, ClaudeCliModule],
      controllers: [HealthController],
    };
  }
}
