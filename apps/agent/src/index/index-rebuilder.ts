import { Injectable, Logger } from '@nestjs/common';
import { ObjectBackend } from '@mcos/backends';
import { parseKey } from '../storage/object-key';
import { hasSystemMeta, versionFromInfo } from '../storage/stored-version';
import { indexEntry, type IndexEntry } from './index-entry';
import { ObjectIndexRepository } from './object-index.repository';

const REBUILT_MARK = 'rebuilt-at';

/**
 * Makes sure the local index describes the backend: when the index is new
 * (first start, or its file was lost) it is rebuilt from a full scan of the
 * backend, in pages, logging progress.
 */
@Injectable()
export class IndexRebuilder {
  private readonly logger = new Logger(IndexRebuilder.name);

  constructor(
    private readonly backend: ObjectBackend,
    private readonly index: ObjectIndexRepository,
  ) {}

  async ensure(): Promise<void> {
    if (this.index.getMeta(REBUILT_MARK)) return;
    const count = await this.rebuild();
    this.index.setMeta(REBUILT_MARK, new Date().toISOString());
    this.logger.log(`index rebuilt from a scan of the ${this.backend.kind} backend: ${count} entries`);
  }

  async rebuild(): Promise<number> {
    const entries: IndexEntry[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.backend.list({ marker, limit: 1000 });
      for (const item of page.items) {
        if (!parseKey(item.key)) continue;
        // Some backends list without metadata; ask for it then.
        const info = hasSystemMeta(item) ? item : await this.backend.head(item.key);
        const version = versionFromInfo(info);
        if (version.timestamp) entries.push(indexEntry(item.key, version));
      }
      if (entries.length > 0 && entries.length % 10_000 < page.items.length) this.logger.log(`index rebuild: ${entries.length} entries so far`);
      if (!page.truncated) break;
      marker = page.nextMarker;
    }
    return this.index.replaceAll(entries);
  }
}
