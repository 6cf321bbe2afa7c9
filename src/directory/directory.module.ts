import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DirectoryController } from './directory.controller';
import { DirectoryRepository } from './directory.repository';
import { DirectoryService } from './directory.service';

@Module({ imports: [AuthModule], controllers: [DirectoryController], providers: [DirectoryService, DirectoryRepository], exports: [DirectoryService, DirectoryRepository] })
export class DirectoryModule {}
