import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { mkdirSync } from 'node:fs';
import { ConfigError, createPinoLogger, loadConfig } from '@mcos/common';
import { ObjectBackend } from '@mcos/backends';
import { AgentModule } from './agent.module';
import { AgentConfig } from './config/agent-config';
import { AgentExceptionFilter } from './http/agent-exception.filter';
import { IndexRebuilder } from './index/index-rebuilder';
import { ObjectIndexRepository } from './index/object-index.repository';
import { MembershipService } from './membership/membership.service';
import { PeerClient } from './peers/peer-client';
import { BackgroundWorkService } from './repair/background-work.service';

/** Object bodies (user and peer) are streamed raw; only other routes get JSON parsing. */
function isRawBodyRoute(url: string): boolean {
  const path = url.split('?')[0];
  return /^\/v1\/containers\/[^/]+\/objects\/./.test(path) || path === '/v1/peer/replica';
}

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
  const json = express.json({ limit: '256mb' });
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) =>
    isRawBodyRoute(req.url) ? next() : json(req, res, next),
  );
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
  await app.listen(config.port, config.host);
  logger.log(`agent ${config.name} (${config.region}) listening on ${config.url}, backend ${app.get(ObjectBackend).describe()}`, 'Main');
  if (config.md5WorkerThread) logger.log('MD5 of bodies over 1 MiB on a worker thread (md5WorkerThread)', 'Main');
  await membership.join();
  app.get(BackgroundWorkService).start();

  const stop = async (signal: string) => {
    logger.log(`${signal}: leaving the cluster`, 'Main');
    app.get(BackgroundWorkService).stop();
    await membership.leave();
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
