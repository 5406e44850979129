import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { parseTimestamp } from '../clock/timestamp';
import { checkObjectName } from '../http/name.pipes';
import { contentLength, objectNameFromUrl, parseRange, setObjectHeaders, userMetaFromHeaders } from '../http/object-http';
import { ObjectsService, PutObjectResult } from './objects.service';

/**
 * The HTTP side of object requests: reads names, headers and ranges from
 * the raw request and writes streamed answers. No policy here; every
 * decision is ObjectsService's.
 */
@Injectable()
export class ObjectRequests {
  constructor(private readonly objects: ObjectsService) {}

  put(account: string, container: string, req: Request): Promise<PutObjectResult> {
    const name = checkObjectName(objectNameFromUrl(req.originalUrl));
    return this.objects.put(account, container, name, {
      body: req,
      size: contentLength(req),
      contentType: req.headers['content-type'],
      userMeta: userMetaFromHeaders(req),
      createOnly: req.headers['if-none-match'] === '*',
    });
  }

  async get(account: string, container: string, req: Request, res: Response): Promise<void> {
    const name = checkObjectName(objectNameFromUrl(req.originalUrl));
    if ('stat' in req.query) {
      res.json(await this.objects.stat(account, container, name));
      return;
    }
    let range = parseRange(req.headers.range);
    if (range?.suffix !== undefined) {
      const { version } = await this.objects.head(account, container, name);
      range = { start: Math.max(0, version.size - range.suffix), end: version.size - 1 };
    }
    const read = await this.objects.get(account, container, name, range);
    setObjectHeaders(res, read.version, read.servedBy, parseTimestamp(read.version.timestamp).ms);
    if (read.contentRange) {
      const [, start, end] = /bytes (\d+)-(\d+)/.exec(read.contentRange) ?? [];
      res.status(206).setHeader('Content-Range', read.contentRange);
      res.setHeader('Content-Length', String(Number(end) - Number(start) + 1));
    } else {
      res.status(200).setHeader('Content-Length', String(read.version.size));
    }
    await pipeline(read.body, res).catch(() => res.destroy());
  }

  async head(account: string, container: string, req: Request, res: Response): Promise<void> {
    const name = checkObjectName(objectNameFromUrl(req.originalUrl));
    const { version, servedBy } = await this.objects.head(account, container, name);
    setObjectHeaders(res, version, servedBy, parseTimestamp(version.timestamp).ms);
    res.status(200).setHeader('Content-Length', String(version.size));
    res.end();
  }

  remove(account: string, container: string, req: Request): Promise<void> {
    const name = checkObjectName(objectNameFromUrl(req.originalUrl));
    return this.objects.delete(account, container, name);
  }
}
