import { Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError, containerNameProblem, objectNameProblem } from '@mcos/common';

@Injectable()
export class ContainerNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const problem = containerNameProblem(value);
    if (problem) throw new BadRequestError(`container name ${problem}`);
    return value;
  }
}

export function checkObjectName(name: string): string {
  const problem = objectNameProblem(name);
  if (problem) throw new BadRequestError(`object name ${problem}`);
  return name;
}
