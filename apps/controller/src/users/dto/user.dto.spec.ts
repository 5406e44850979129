import { describe, expect, it } from '@jest/globals';
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { CreateUserDto } from './user.dto';

/** The same pipe options as app.setup.ts. */
const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

function validate(body: unknown): Promise<CreateUserDto> {
  return pipe.transform(body, { type: 'body', metatype: CreateUserDto }) as Promise<CreateUserDto>;
}

describe('CreateUserDto', () => {
  it('gives a user without a role the role user', async () => {
    const sut = await validate({ username: 'alice', password: 'alice-password' });
    expect(sut).toBeInstanceOf(CreateUserDto);
    expect(sut).toEqual({ username: 'alice', password: 'alice-password', role: 'user' });
  });

  it('keeps a role that is given', async () => {
    expect((await validate({ username: 'root2', password: 'root-password', role: 'admin' })).role).toBe('admin');
    expect((await validate({ username: 'bob', password: 'bob-password', role: 'user' })).role).toBe('user');
  });

  it.each([[null], ['root'], [''], [1], [['admin']]])('refuses role %j with 400', async (role) => {
    await expect(validate({ username: 'alice', password: 'alice-password', role })).rejects.toThrow(BadRequestException);
  });

  it('still refuses unknown fields and a short password', async () => {
    await expect(validate({ username: 'alice', password: 'alice-password', admin: true })).rejects.toThrow(BadRequestException);
    await expect(validate({ username: 'alice', password: 'short' })).rejects.toThrow(BadRequestException);
  });
});
