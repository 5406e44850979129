import { Injectable } from '@nestjs/common';
import { lingerAfterAnswer, type PutObjectAnswer } from '@mcos/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ObjectsService } from '../objects/objects.service';
import { contentLength, objectNameFromUrl, parseRange, setObjectHeaders, userMetaFromHeaders } from './object-http';

/**
 * The HTTP side of /v1 object requests: reads the name, headers and range
 * from the raw Express request into ObjectsService's plain inputs, and
 * writes its results as headers and a streamed body. No policy here; every
 * decision is ObjectsService's.
 */
@Injectable()
export class ObjectHttpAdapter {
  constructor(private readonly objects: ObjectsService) {}

  put(account: string, container: string, req: Request, res: Response): Promise<PutObjectAnswer> {
    const name = objectNameFromUrl(req.originalUrl);
    return this.objects.put({
      account,
      container,
      name,
      body: req,
      contentLength: contentLength(req),
      contentType: req.headers['content-type'],
      userMetadata: userMetaFromHeaders(req),
      ifNoneMatch: req.headers['if-none-match'] === '*' ? '*' : undefined,
      // A body that passed maxObjectBytes leaves unread bytes behind: they linger a moment after the 413, then the connection is cut.
      onTooLarge: () => lingerAfterAnswer(req, res),
    });
  }

  async get(account: string, container: string, req: Request, res: Response): Promise<void> {
    const name = objectNameFromUrl(req.originalUrl);
    if ('stat' in req.query) {
      res.json(await this.objects.stat({ account, container, name }));
      return;
    }
    const range = parseRange(req.headers.range);
    const read = await this.objects.get({ account, container, name, range });
    setObjectHeaders(res, read.version, read.servedBy);
    if (read.range) {
      res.status(206).setHeader('Content-Range', `bytes ${read.range.start}-${read.range.end}/${read.version.size}`);
      res.setHeader('Content-Length', String(read.range.end - read.range.start + 1));
    } else {
      res.status(200).setHeader('Content-Length', String(read.version.size));
    }
    await pipeline(read.body, res).catch(() => res.destroy());
  }

  async head(account: string, container: string, req: Request, res: Response): Promise<void> {
    const name = objectNameFromUrl(req.originalUrl);
    const { version, servedBy } = await this.objects.head({ account, container, name });
    setObjectHeaders(res, version, servedBy);
    res.status(200).setHeader('Content-Length', String(version.size));
    res.end();
  }

  remove(account: string, container: string, req: Request): Promise<void> {
    const name = objectNameFromUrl(req.originalUrl);
    return this.objects.delete({ account, container, name });
  }
}
