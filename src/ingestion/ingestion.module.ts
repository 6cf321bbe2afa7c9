import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';
import { UserActionRepository } from './user-action.repository';

@Module({
  imports: [AuthModule],
  controllers: [IngestionController],
  providers: [IngestionService, UserActionRepository],
  exports: [IngestionService, UserActionRepository],
})
export class IngestionModule {}
