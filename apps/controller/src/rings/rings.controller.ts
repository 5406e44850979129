import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { OptionRingView, RebuildResult } from '@mcos/common';
import { AdminOnly } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { OptionRingViewDto, RebuildQueryDto, RebuildResultDto, ServiceMoveCountDto } from './dto/ring.dto';
import { RingsService } from './rings.service';

@ApiTags('rings')
@ApiExtraModels(ServiceMoveCountDto)
@AdminOnly()
@Controller('v1/rings')
export class RingsController {
  constructor(private readonly rings: RingsService) {}

  @Get()
  @ApiOperation({ summary: 'Every option\'s ring: distribution, balance, dispersion, last movement (or why it has none)' })
  @ApiOkResponse({ type: [OptionRingViewDto] })
  list(): Promise<OptionRingView[]> {
    return this.rings.list();
  }

  @Get(':option')
  @ApiOperation({ summary: 'One option\'s ring' })
  @ApiOkResponse({ type: OptionRingViewDto })
  @ApiErrors(404)
  get(@Param('option') option: string): Promise<OptionRingView> {
    return this.rings.get(option);
  }

  @Post('rebuild')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Build or rebalance every ring that would change now',
    description: 'With dryRun=true nothing changes: the answer says, per option, the partition-replicas each service would gain or lose and the bytes that would move.',
  })
  @ApiOkResponse({ type: RebuildResultDto })
  @ApiErrors(400)
  rebuild(@Query() query: RebuildQueryDto): Promise<RebuildResult> {
    return this.rings.rebuild(query.dryRun === true);
  }
}
