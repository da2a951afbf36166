import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The session console at /console (README: Console): static files, data from /api/v1 only. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
