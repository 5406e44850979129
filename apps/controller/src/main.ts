import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, createPinoLogger, loadConfig } from '@mcos/common';
import { AppModule } from './app.module';
import { setUpApp } from './app.setup';
import { ControllerConfig, refuseExampleSecrets } from './config/controller-config';

async function main(): Promise<void> {
  let config: ControllerConfig;
  try {
    config = loadConfig(ControllerConfig, { env: process.env });
    refuseExampleSecrets(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = createPinoLogger('controller', config.logLevel);
  // Bodies are parsed by setUpApp's bounded parsers only (no urlencoded, no inflating).
  const app = await NestFactory.create(AppModule.forRoot(config), { logger, abortOnError: false, bodyParser: false });
  setUpApp(app);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  logger.log(`controller listening on http://${config.host}:${config.port} (admin API docs at /docs)`, 'Main');
}

main().catch((error: unknown) => {
  const detail = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`controller failed to start: ${detail}\n`);
  process.exit(1);
});
