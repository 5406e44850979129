import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { CreateOptionDto, OptionViewDto, UpdateOptionDto } from './dto/option.dto';
import { OptionView, OptionsService } from './options.service';

@ApiTags('options')
@AdminOnly()
@Controller('v1/options')
export class OptionsController {
  constructor(private readonly options: OptionsService) {}

  @Get()
  @ApiOperation({ summary: 'Every storage option' })
  @ApiOkResponse({ type: [OptionViewDto] })
  list(): Promise<OptionView[]> {
    return this.options.list();
  }

  @Get(':name')
  @ApiOperation({ summary: 'One storage option' })
  @ApiOkResponse({ type: OptionViewDto })
  @ApiErrors(404)
  get(@Param('name') name: string): Promise<OptionView> {
    return this.options.get(name);
  }

  @Post()
  @ApiOperation({ summary: 'Create an option (its ring is built at once when the cluster has rings)' })
  @ApiCreatedResponse({ type: OptionViewDto })
  @ApiErrors(400, 409)
  create(@Body() body: CreateOptionDto): Promise<OptionView> {
    return this.options.create(body);
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change an option (a change of replicas or placement rebuilds its ring)' })
  @ApiOkResponse({ type: OptionViewDto })
  @ApiErrors(400, 404, 409)
  update(@Param('name') name: string, @Body() body: UpdateOptionDto): Promise<OptionView> {
    return this.options.update(name, body);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an unused option',
    description: 'Refused (409) while a container uses it, or while an ACTIVE agent has not reported its containers since the controller started.',
  })
  @ApiNoContentResponse()
  @ApiErrors(404, 409)
  delete(@Param('name') name: string): Promise<void> {
    return this.options.delete(name);
  }
}
