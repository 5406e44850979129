import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { ConfigError, createPinoLogger, jsonBodies, loadConfig, refuseEncodedBodies } from '@mcos/common';
import { ObjectBackend } from '@mcos/backends';
import { AgentModule } from './agent.module';
import { AgentConfig } from './config/agent-config';
import { AgentExceptionFilter } from './http/agent-exception.filter';
import { AGENT_JSON_ROUTES, applyServerLimits } from './http/server-limits';
import { IndexRebuilder } from './index/index-rebuilder';
import { ObjectIndexRepository } from './index/object-index.repository';
import { MembershipService } from './membership/membership.service';
import { PeerClient } from './peers/peer-client';
import { BackgroundWorkService } from './repair/background-work.service';
import { S3DoorHandler } from './s3/door/s3-door.handler';
import { closeS3, listenS3 } from './s3/door/s3-listener';

async function bootstrap(): Promise<void> {
  let config: AgentConfig;
  try {
    config = loadConfig(AgentConfig, { env: process.env, defaultFile: 'config/agent.yaml' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mcos-agent: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  mkdirSync(config.dataDir, { recursive: true });
  const logger = createPinoLogger(`agent ${config.name}`, config.logLevel);
  const app = await NestFactory.create(AgentModule.forRoot(config), { bodyParser: false, logger, abortOnError: false });
  // Limits before any work (issue 13, point 1): no compressed bodies, JSON only where a route takes it.
  app.use(refuseEncodedBodies());
  app.use(jsonBodies(AGENT_JSON_ROUTES));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new AgentExceptionFilter());

  const docs = new DocumentBuilder()
    .setTitle('MCOS agent — user API')
    .setDescription('Containers and objects. The same view at every agent.')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, docs));

  const membership = app.get(MembershipService);
  await app.get(IndexRebuilder).ensure();
  await membership.restore();
  applyServerLimits(app.getHttpServer() as Server, config.http);
  await app.listen(config.port, config.host);
  logger.log(`agent ${config.name} (${config.region}) listening on ${config.url}, backend ${app.get(ObjectBackend).describe()}`, 'Main');
  if (config.md5WorkerThread) logger.log('MD5 of bodies over 1 MiB on a worker thread (md5WorkerThread)', 'Main');
  // The S3 door: a second listener over the same services, with the user API's server limits.
  const s3 = config.s3 ? await listenS3(app.get(S3DoorHandler).listener, config.s3, (server) => applyServerLimits(server, config.http)) : undefined;
  if (config.s3) logger.log(`S3 on http://${config.s3.host}:${config.s3.port}${config.s3.domain ? ` (virtual-hosted under ${config.s3.domain})` : ''}`, 'Main');
  await membership.join();
  app.get(BackgroundWorkService).start();

  const stop = async (signal: string) => {
    logger.log(`${signal}: leaving the cluster`, 'Main');
    app.get(BackgroundWorkService).stop();
    await membership.leave();
    await closeS3(s3);
    await app.close();
    app.get(PeerClient).close();
    app.get(ObjectIndexRepository).close();
    await app.get(ObjectBackend).close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

void bootstrap();
