import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { type TokenClaims, TooManyRequestsError } from '@mcos/common';
import { finalize, type Observable } from 'rxjs';
import { PerUserLimiter } from '../limits/per-user-limiter';

interface UserRequest {
  user?: TokenClaims;
}

interface ClosableResponse {
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Bounds the requests of one user in flight at this agent (issue 13,
 * point 8): past `http.maxRequestsPerUser` the next one is answered 429 at
 * once, so one user's flood (or a few dozen slow readers) cannot take every
 * connection to a peer or every backend slot from other users and from peer
 * traffic. Runs after UserAuthGuard (it needs the verified user); a request
 * counts until its answer is done or its connection closes, whichever comes first.
 */
@Injectable()
export class UserConcurrencyInterceptor implements NestInterceptor {
  constructor(private readonly limiter: PerUserLimiter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const user = http.getRequest<UserRequest>().user?.sub;
    if (!user) return next.handle();
    const release = this.limiter.tryAcquire(user);
    if (!release) throw new TooManyRequestsError(`${this.limiter.max} requests of this user are already in flight at this agent`, 1);
    http.getResponse<ClosableResponse>().once('close', release);
    return next.handle().pipe(finalize(release));
  }
}
