import { Module } from '@nestjs/common';
import { discoverClaudeBinary } from '@app/claude';
import { APP_CONFIG, type AppConfig } from '@app/config';

/** Injection token for the claude executable's path, found once at start-up. */
export const CLAUDE_BINARY = Symbol('CLAUDE_BINARY');

@Module({
  providers: [
    {
      provide: CLAUDE_BINARY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): string =>
        discoverClaudeBinary({ explicit: config.claude.bin, path: process.env.PATH }),
    },
  ],
  exports: [CLAUDE_BINARY],
})
export class ClaudeCliModule {}
