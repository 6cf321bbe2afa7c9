import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { Database, GaleraState } from '../database/database.service';
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
    description:
      'Pings the database; 503 while it does not answer. On a MariaDB Galera node, also 503 while the node is not ready, ' +
      'Primary and Synced (wsrep_ready, wsrep_cluster_status, wsrep_local_state), so a load balancer takes this replica out. For a readiness probe.',
  })
  @ApiJsonResponse(200, 'The database answers (and takes writes)', ReadyDto)
  @ApiNotModified()
  @ApiErrors({
    503: 'The database does not answer, or its Galera node is not Primary and Synced (or the request did not complete within REQUEST_TIMEOUT_MS); retry later',
  })
  async ready(): Promise<ReadyDto> {
    let galera: GaleraState | undefined;
    try {
      galera = await this.db.galeraState();
    } catch {
      throw new ServiceUnavailableException('The database does not answer');
    }
    if (galera && !galera.synced) {
      throw new ServiceUnavailableException(
        `The database node is not ready for writes (wsrep_ready=${galera.ready}, wsrep_cluster_status=${galera.clusterStatus}, wsrep_local_state=${galera.localState} ${galera.localStateComment})`,
      );
    }
    return { status: 'ok', database: this.db.dialect };
  }
}
