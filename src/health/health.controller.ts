import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { Database } from '../database/database.service';
import { ApiErrors, ApiJsonResponse, ApiNotModified, ApiRoute } from '../openapi/api-docs.decorators';

export class LiveDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
}

export class ReadyDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
  @ApiProperty({ enum: ['mysql', 'sqlite'], example: 'sqlite', description: 'The database dialect in use' }) database: 'mysql' | 'sqlite';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly db: Database) {}

  @Get('live')
  @ApiRoute({
    operationId: 'getLiveness',
    summary: 'Liveness: the process is up',
    description: 'Answers without touching the database; for a liveness probe.',
  })
  @ApiJsonResponse(200, 'The process is up', LiveDto)
  @ApiNotModified()
  live(): LiveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiRoute({
    operationId: 'getReadiness',
    summary: 'Readiness: the database answers',
    description: 'Pings the database; 503 while it does not answer. For a readiness probe.',
  })
  @ApiJsonResponse(200, 'The database answers', ReadyDto)
  @ApiNotModified()
  @ApiErrors({ 503: 'The database does not answer (or the request did not complete within REQUEST_TIMEOUT_MS); retry later' })
  async ready(): Promise<ReadyDto> {
    try {
      await this.db.ping();
    } catch {
      throw new ServiceUnavailableException('The database does not answer');
    }
    return { status: 'ok', database: this.db.dialect };
  }
}
