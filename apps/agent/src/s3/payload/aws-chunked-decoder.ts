import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { ChunkSigningContext } from '../auth/sigv4-verifier';
import { S3Error } from '../xml/s3-error';
import { checksumAlgorithmOf, createChecksummer, validateChecksumValue, type Checksummer, type ExpectedChecksum } from './checksums';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface AwsChunkedOptions {
  /** Set for the signed modes: every chunk signature is checked, chained from the seed. */
  signing?: ChunkSigningContext;
  /** Trailer lines follow the final chunk (the `…-TRAILER` modes). */
  trailer: boolean;
  /** x-amz-decoded-content-length, when the client sent it: the decoded size must be exactly this. */
  decodedLength?: number;
  /** The checksum to hold the decoded bytes to (its value from a header, or from the trailer). */
  checksum?: ExpectedChecksum;
  /** Largest decoded body accepted (EntityTooLarge beyond). */
  maxSize?: number;
  /** Longest chunk-size line accepted, CRLF included. */
  maxLineBytes?: number;
  /** Most trailer bytes accepted. */
  maxTrailerBytes?: number;
}

type State = 'size-line' | 'data' | 'data-crlf' | 'trailer' | 'done';

const HEX_SIZE = /^[0-9a-fA-F]{1,15}$/;
const SIG = /^[0-9a-f]{64}$/;

function framing(message: string): S3Error {
  return new S3Error('InvalidRequest', `Malformed aws-chunked body: ${message}`);
}

/**
 * Decodes an aws-chunked body (`hex-size[;chunk-signature=…]\r\n<data>\r\n`
 * … a final 0-size chunk, then trailer lines for the `…-TRAILER` modes) into
 * the object's bytes, as a stream. With a signing context every chunk
 * signature is verified in the chain that starts at the request's seed
 * signature, and so is `x-amz-trailer-signature`. Data are passed on as they
 * arrive (memory stays at one chunk-size line, never a chunk), so a bad
 * chunk or checksum fails the stream before its end: the consumer must only
 * commit what it read once the stream ended without error.
 */
export class AwsChunkedDecoder extends Transform {
  private state: State = 'size-line';
  private line: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;
  private crlfSeen = 0;
  private received = 0;
  private chunkHash?: Hash;
  private chunkSignature = '';
  private previousSignature: string;
  private trailerBytes = 0;
  private readonly trailerLines: [string, string][] = [];
  private trailerSignature?: string;
  private readonly checksummer?: Checksummer;
  private readonly maxLineBytes: number;
  private readonly maxTrailerBytes: number;

  constructor(private readonly opts: AwsChunkedOptions) {
    super();
    this.previousSignature = opts.signing?.seedSignature ?? '';
    this.checksummer = opts.checksum ? createChecksummer(opts.checksum.algorithm) : undefined;
    this.maxLineBytes = opts.maxLineBytes ?? 4096;
    this.maxTrailerBytes = opts.maxTrailerBytes ?? 16 * 1024;
  }

  /** Trailer lines received (name lower-cased → value), available once the stream ended. */
  get trailers(): ReadonlyMap<string, string> {
    return new Map(this.trailerLines);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.consume(chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.state === 'trailer' && this.trailerLines.length === 0 && this.lineBytes === 0 && !this.opts.trailer && this.trailerSignature === undefined) {
        // Some clients end a signed stream right after the final chunk's line, without the last CRLF.
        this.finish();
      }
      if (this.state !== 'done') throw new S3Error('IncompleteBody', 'The aws-chunked body ended before its final chunk.');
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  private consume(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'size-line':
        case 'trailer': {
          const nl = buf.indexOf(10, pos);
          const end = nl < 0 ? buf.length : nl + 1;
          this.lineBytes += end - pos;
          if (this.state === 'size-line' && this.lineBytes > this.maxLineBytes) throw framing('a chunk-size line is too long.');
          if (this.state === 'trailer' && this.trailerBytes + this.lineBytes > this.maxTrailerBytes) {
            throw new S3Error('MalformedTrailerError', 'The trailer is too long.');
          }
          this.line.push(buf.subarray(pos, end));
          pos = end;
          if (nl < 0) break;
          const raw = this.line.length === 1 ? this.line[0] : Buffer.concat(this.line);
          this.line = [];
          const length = this.lineBytes;
          this.lineBytes = 0;
          if (raw.length < 2 || raw[raw.length - 2] !== 13) throw framing('a line does not end with CRLF.');
          const text = raw.toString('latin1', 0, raw.length - 2);
          if (this.state === 'size-line') this.onSizeLine(text);
          else this.onTrailerLine(text, length);
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - pos);
          const slice = buf.subarray(pos, pos + n);
          this.chunkHash?.update(slice);
          this.checksummer?.update(slice);
          this.push(slice);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = 'data-crlf';
            this.crlfSeen = 0;
          }
          break;
        }
        case 'data-crlf': {
          const expected = this.crlfSeen === 0 ? 13 : 10;
          if (buf[pos] !== expected) throw framing('chunk data is not followed by CRLF (the chunk size does not match its data).');
          pos++;
          if (++this.crlfSeen === 2) {
            this.verifyChunk();
            this.state = 'size-line';
          }
          break;
        }
        case 'done':
          throw framing('bytes follow the end of the body.');
      }
    }
  }

  private onSizeLine(text: string): void {
    const parts = text.split(';');
    const sizeHex = parts[0].trim();
    if (!HEX_SIZE.test(sizeHex)) throw framing(`'${sizeHex.slice(0, 32)}' is not a hexadecimal chunk size.`);
    const size = parseInt(sizeHex, 16);
    let signature: string | undefined;
    for (const ext of parts.slice(1)) {
      const eq = ext.indexOf('=');
      const name = (eq < 0 ? ext : ext.slice(0, eq)).trim();
      if (name === 'chunk-signature') {
        if (signature !== undefined) throw framing('a chunk has two signatures.');
        signature = ext.slice(eq + 1).trim();
      }
    }
    if (this.opts.signing) {
      if (signature === undefined || !SIG.test(signature)) {
        throw new S3Error('SignatureDoesNotMatch', 'A chunk of the signed aws-chunked body has no valid chunk-signature.');
      }
      this.chunkSignature = signature;
      this.chunkHash = createHash('sha256');
    }
    if (size === 0) {
      this.verifyChunk();
      this.state = 'trailer';
      return;
    }
    if (this.opts.decodedLength !== undefined && this.received + size > this.opts.decodedLength) {
      throw new S3Error('InvalidRequest', 'The aws-chunked body carries more bytes than x-amz-decoded-content-length says.');
    }
    if (this.opts.maxSize !== undefined && this.received + size > this.opts.maxSize) throw new S3Error('EntityTooLarge');
    this.received += size;
    this.remaining = size;
    this.state = 'data';
  }

  private verifyChunk(): void {
    const s = this.opts.signing;
    if (!s) return;
    const chunkHex = this.chunkHash!.digest('hex');
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${EMPTY_SHA256}\n${chunkHex}`;
    const expected = createHmac('sha256', s.signingKey).update(toSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(this.chunkSignature, 'hex'))) {
      throw new S3Error('SignatureDoesNotMatch', 'The chunk signature of the aws-chunked body does not match.');
    }
    this.previousSignature = this.chunkSignature;
  }

  private onTrailerLine(text: string, length: number): void {
    this.trailerBytes += length;
    if (text === '') {
      this.finish();
      return;
    }
    if (!this.opts.trailer) throw framing('data follow the final chunk of a body declared without a trailer.');
    const colon = text.indexOf(':');
    if (colon <= 0) throw new S3Error('MalformedTrailerError', 'A trailer line is not of the form name:value.');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      if (!this.opts.signing) throw new S3Error('MalformedTrailerError', 'An unsigned body carries a trailer signature.');
      if (this.trailerSignature !== undefined || !SIG.test(value)) throw new S3Error('MalformedTrailerError', 'The trailer signature is repeated or not 64 hex digits.');
      this.trailerSignature = value;
      return;
    }
    if (this.trailerSignature !== undefined) throw new S3Error('MalformedTrailerError', 'A trailer follows the trailer signature.');
    const declared = this.opts.checksum;
    if (!declared || declared.value !== undefined || !name.startsWith('x-amz-checksum-') || checksumAlgorithmOf(name) !== declared.algorithm) {
      throw new S3Error('MalformedTrailerError', `The trailer ${name.slice(0, 64)} was not declared in x-amz-trailer.`);
    }
    if (this.trailerLines.some(([n]) => n === name)) throw new S3Error('MalformedTrailerError', `The trailer ${name} is repeated.`);
    this.trailerLines.push([name, value]);
  }

  private finish(): void {
    const s = this.opts.signing;
    if (this.opts.trailer && s) {
      if (this.trailerSignature === undefined) throw new S3Error('SignatureDoesNotMatch', 'The signed trailer has no x-amz-trailer-signature.');
      const canonical = this.trailerLines.map(([n, v]) => `${n}:${v}\n`).join('');
      const hash = createHash('sha256').update(canonical).digest('hex');
      const toSign = `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${hash}`;
      const expected = createHmac('sha256', s.signingKey).update(toSign).digest();
      if (!timingSafeEqual(expected, Buffer.from(this.trailerSignature, 'hex'))) {
        throw new S3Error('SignatureDoesNotMatch', 'The trailer signature of the aws-chunked body does not match.');
      }
    }
    if (this.opts.decodedLength !== undefined && this.received !== this.opts.decodedLength) {
      throw new S3Error('IncompleteBody', 'The aws-chunked body carries fewer bytes than x-amz-decoded-content-length says.');
    }
    const declared = this.opts.checksum;
    if (declared && this.checksummer) {
      let expected = declared.value;
      if (expected === undefined) {
        const line = this.trailerLines.find(([n]) => n === `x-amz-checksum-${declared.algorithm}`);
        if (!line) throw new S3Error('MalformedTrailerError', `The trailer x-amz-checksum-${declared.algorithm} declared in x-amz-trailer is missing.`);
        expected = validateChecksumValue(declared.algorithm, line[1]);
      }
      const actual = this.checksummer.digestBase64();
      if (actual.length !== expected.length || !timingSafeEqual(Buffer.from(actual), Buffer.from(expected))) {
        throw new S3Error('BadDigest', `The ${declared.algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
      }
    }
    this.state = 'done';
  }
}
