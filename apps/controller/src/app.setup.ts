import { INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  DomainExceptionFilter,
  JOIN_TOKEN_HEADER,
  jsonBodies,
  type JsonRoute,
  refuseEncodedBodies,
  requestIdMiddleware,
  SERVICE_ASSERTION_HEADER,
} from '@mcos/common';
import { BEARER_SCHEME, JOIN_TOKEN_SCHEME, SERVICE_ASSERTION_SCHEME } from './auth/auth.decorators';

/** Logins are a username and a password; every other JSON body keeps Express's 100 KB default. */
const CONTROLLER_JSON_ROUTES: JsonRoute[] = [
  { method: 'POST', path: /^\/v1\/auth\/login$/, limitBytes: 4 * 1024 },
  { method: '*', path: /^\//, limitBytes: 100 * 1024 },
];

/** Global HTTP behaviour: request ids, the error filter, validation, Swagger at /docs (+ /docs-json). */
export function setUpApp(app: INestApplication): void {
  app.use(requestIdMiddleware);
  // Before any work (issue 13, point 1): compressed bodies refused (415), JSON bounded, never inflated.
  // Registered before Nest's own parser (main.ts turns that one off), so these limits are the ones that hold.
  app.use(refuseEncodedBodies());
  app.use(jsonBodies(CONTROLLER_JSON_ROUTES));
  app.useGlobalFilters(new DomainExceptionFilter());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  const document = new DocumentBuilder()
    .setTitle('MCOS controller')
    .setDescription(
      'Admin API of the MCOS controller: cloud services, storage options, rings, users; plus the agent-facing registration and cluster map. ' +
        'Log in with POST /v1/auth/login and use the token with "Authorize" (bearer).',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Token from POST /v1/auth/login' }, BEARER_SCHEME)
    .addApiKey(
      { type: 'apiKey', in: 'header', name: SERVICE_ASSERTION_HEADER, description: 'Service assertion of an agent (signed with its own key; see docs/security.md)' },
      SERVICE_ASSERTION_SCHEME,
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: JOIN_TOKEN_HEADER, description: 'Join token (agent registration)' }, JOIN_TOKEN_SCHEME)
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
