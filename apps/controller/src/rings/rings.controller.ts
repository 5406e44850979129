import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { RebuildQueryDto, RebuildResultDto, RingViewDto, ServiceMoveCountDto } from './dto/ring.dto';
import { RebuildResult, RingView, RingsService } from './rings.service';

@ApiTags('rings')
@ApiExtraModels(ServiceMoveCountDto)
@AdminOnly()
@Controller('v1/rings')
export class RingsController {
  constructor(private readonly rings: RingsService) {}

  @Get()
  @ApiOperation({ summary: 'Every option\'s ring: distribution, balance, dispersion, last movement (or why it has none)' })
  @ApiOkResponse({ type: [RingViewDto] })
  list(): Promise<RingView[]> {
    return this.rings.list();
  }

  @Get(':option')
  @ApiOperation({ summary: 'One option\'s ring' })
  @ApiOkResponse({ type: RingViewDto })
  @ApiErrors(404)
  get(@Param('option') option: string): Promise<RingView> {
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
