import { BadRequestError } from '@mcos/common';
import { objectNameFromUrl, parseRange } from './object-http';

describe('objectNameFromUrl', () => {
  it('reads the name after the container, whatever the container is called (issue 13, point 7)', () => {
    expect(objectNameFromUrl('/v1/containers/objects/objects/a/b')).toBe('a/b');
    expect(objectNameFromUrl('/v1/containers/objects/objects/objects/x')).toBe('objects/x');
    expect(objectNameFromUrl('/v1/containers/c/objects/%2Fodd%20name?x=1')).toBe('/odd name');
    expect(objectNameFromUrl('/v1/containers/c/objects/')).toBe('');
  });

  it('refuses bad percent-encoding with a 400', () => {
    expect(() => objectNameFromUrl('/v1/containers/c/objects/%E0%A4%A')).toThrow(BadRequestError);
  });
});

describe('parseRange', () => {
  it('reads single byte ranges and ignores what it may ignore', () => {
    expect(parseRange('bytes=0-9')).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=5-')).toEqual({ start: 5, end: undefined });
    expect(parseRange('bytes=-3')).toEqual({ suffix: 3 });
    for (const ignored of ['bytes=9-0', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4', 'nonsense']) expect(parseRange(ignored)).toBeUndefined();
  });
});
