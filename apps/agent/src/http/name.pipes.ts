import { Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError, containerNameProblem } from '@mcos/common';

/** Container names from the path (object names are checked by ObjectsService, whatever the door). */
@Injectable()
export class ContainerNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const problem = containerNameProblem(value);
    if (problem) throw new BadRequestError(`container name ${problem}`);
    return value;
  }
}
