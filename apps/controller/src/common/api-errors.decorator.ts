import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; the message names the field',
  401: 'Missing, malformed, forged or expired credentials',
  403: 'Authenticated but not allowed (admin role required)',
  404: 'No such resource',
  409: 'Conflicts with the current state',
  412: 'A precondition failed',
  503: 'Not available right now',
};

/** Documents the error answers of a route, all with ErrorResponseDto. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorResponseDto })),
  );
}
