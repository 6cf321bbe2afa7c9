import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { IngestionModule } from '../ingestion/ingestion.module';
import { DemoDataService } from './demo-data.service';

@Module({ imports: [IngestionModule, DirectoryModule], providers: [DemoDataService], exports: [DemoDataService] })
export class DemoModule {}
