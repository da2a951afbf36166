import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { types } from 'node:util';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { decodeBase64Strict } from './base64';
import { checkLinkTarget, normalizeEntryPath } from './entry-path';
import { quote, SeedRejected } from './errors';
import type { SeedLedger } from './seed-ledger';
import type { SeedSink } from './seed-sink';

export interface SeedArchive {
  base64: string;
  format: 'tar' | 'tar.gz';
}

/*
 * Headers, padding and pax records an archive may carry besides file data: per entry, plus a
 * fixed slack for buffering and one pax header of up to tar-stream's 4 MiB. Past that budget
 * the stream is padding or garbage (a gzip bomb of zeros), and inflating stops.
 */
const OVERHEAD_PER_ENTRY = 16 * 1024;
const OVERHEAD_SLACK = 8 * 1024 * 1024;

/**
 * Streams a tar (or gunzipped tar.gz) through tar-stream into the sink. Each header is checked
 * and claimed in the ledger before its data is read, so an oversized entry is refused from its
 * declared size. Hard links are copied from the earlier regular file they name; devices and
 * fifos are refused.
 */
export async function applyArchive(
  archive: SeedArchive,
  ledger: SeedLedger,
  sink: SeedSink,
  signal?: AbortSignal,
): Promise<void> {
  const data = decodeBase64Strict(archive.base64);
  if (!data) {
    throw new SeedRejected(
      'bad_archive',
      'archive.base64 is not valid base64; encode the archive bytes as base64',
    );
  }
  const budget = (): number =>
    ledger.bytes + ledger.entriesSeen * OVERHEAD_PER_ENTRY + OVERHEAD_SLACK;
  const parser = extract();
  // tar-stream is a streamx Writable: Node's pipeline drives it like any other writable.
  const piped = pipeline([
    Readable.from([data], { objectMode: false }),
    ...(archive.format === 'tar.gz' ? [createGunzip()] : []),
    new StreamBudget(budget),
    parser as unknown as NodeJS.WritableStream,
  ]);
  piped.catch(() => {}); // its error also reaches the parser's iterator, which reports it
  try {
    for await (const entry of parser) {
      signal?.throwIfAborted();
      ledger.entriesSeen++;
      await applyEntry(entry.header, bytesOf(entry), ledger, sink);
    }
    await piped;
    await ledger.checkLinkChains();
  } catch (err) {
    throw archiveError(err, archive.format);
  }
}

async function applyEntry(
  header: Header,
  data: AsyncIterable<Buffer>,
  ledger: SeedLedger,
  sink: SeedSink,
): Promise<void> {
  const raw = header.name;
  // tar-stream types omit it, but an unknown type flag arrives as null.
  switch (header.type as Header['type'] | null) {
    case 'directory': {
      const path = normalizeEntryPath(raw, { allowRoot: true });
      if (path === '') return;
      const { newParents } = ledger.claim(path, 'dir');
      for (const parent of newParents) await sink.mkdir(parent);
      await sink.mkdir(path, header.mode ?? 0o755);
      return;
    }
    case 'file':
    case 'contiguous-file': {
      const path = normalizeEntryPath(raw);
      const { newParents } = ledger.claim(path, 'file', header.size ?? 0);
      for (const parent of newParents) await sink.mkdir(parent);
      // Keep the permission bits (0o755 stays executable), never setuid, setgid or sticky.
      await sink.writeFile(path, data, (header.mode ?? 0o644) & 0o777);
      return;
    }
    case 'symlink': {
      const path = normalizeEntryPath(raw);
      const target = header.linkname ?? '';
      checkLinkTarget(path, target);
      const { newParents } = ledger.claimLink(path, target);
      for (const parent of newParents) await sink.mkdir(parent);
      await sink.symlink(path, target);
      return;
    }
    case 'link': {
      const path = normalizeEntryPath(raw);
      const source = hardLinkSource(raw, header.linkname ?? '');
      const size = ledger.fileSize(source);
      if (size === undefined) {
        throw new SeedRejected(
          'unsupported_entry',
          `is a hard link to ${quote(source)}, which is not a regular file earlier in the archive; hard links are copied only from such files`,
          raw,
        );
      }
      const { newParents } = ledger.claim(path, 'file', size);
      for (const parent of newParents) await sink.mkdir(parent);
      await sink.copyFile(source, path);
      return;
    }
    default:
      throw new SeedRejected(
        'unsupported_entry',
        `is a ${header.type ?? 'unknown'} entry; a workspace archive may hold only files, directories and symlinks`,
        raw,
      );
  }
}

function hardLinkSource(raw: string, linkname: string): string {
  try {
    return normalizeEntryPath(linkname);
  } catch (err) {
    if (!(err instanceof SeedRejected)) throw err;
    throw new SeedRejected(
      err.reason,
      `is a hard link to ${quote(linkname)}, which is not a path inside the archive`,
      raw,
    );
  }
}

async function* bytesOf(entry: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of entry)
    yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
}

/** Fails the stream once it carries more bytes than the archive's entries can account for. */
class StreamBudget extends Transform {
  private seen = 0;

  constructor(private readonly budget: () => number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen <= this.budget()) return done(null, chunk);
    done(
      new SeedRejected(
        'too_large',
        `the archive expands to more than its entries account for (${this.seen} bytes read): it is padded, corrupt or a decompression bomb; send the files themselves`,
      ),
    );
  }
}

const PARSER_ERROR = /tar|header|end of data/i;

function archiveError(err: unknown, format: SeedArchive['format']): unknown {
  // isNativeError, not instanceof: zlib's errors may come from another realm (jest's vm).
  if (err instanceof SeedRejected || !types.isNativeError(err)) return err;
  if (err.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code?.startsWith('Z_')) {
    return new SeedRejected(
      'bad_archive',
      `the archive is not valid gzip data (${err.message}); send format "tar" for an uncompressed tar`,
      undefined,
      { cause: err },
    );
  }
  if (code === undefined && PARSER_ERROR.test(err.message)) {
    const hint = format === 'tar' ? '; if it is compressed, send format "tar.gz"' : '';
    return new SeedRejected(
      'bad_archive',
      `the archive is not a valid tar file (${err.message})${hint}`,
      undefined,
      { cause: err },
    );
  }
  return err;
}
