/**
 * The zip container of an untrusted .xlsx. yauzl parses the central directory
 * (zip64, name checks, entry counts: the parts that are easy to get wrong);
 * entries are then inflated here, synchronously, with node:zlib and a hard cap
 * on the bytes actually produced, because a zip header can lie about sizes.
 * Each entry's real size and CRC-32 must match what the directory declares.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { formatBytes, WorkbookRefused } from './refusal.js';

export interface ZipLimits {
  /** Most entries a workbook may have (Excel writes a few dozen). */
  readonly maxEntries: number;
  /** Most bytes one entry may inflate to. */
  readonly maxEntryBytes: number;
  /** Most bytes all entries read may inflate to, together. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 2_000,
  maxEntryBytes: 96 * 1024 * 1024,
  maxTotalBytes: 160 * 1024 * 1024,
};

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const LOCAL_HEADER_SIGNATURE = 0x04034b50;

export class ZipContainer {
  private inflatedSoFar = 0;
  /** Lower-cased part name → entry: OOXML part names are case-insensitive. */
  private readonly entries: ReadonlyMap<string, ZipEntry>;

  private constructor(
    private readonly bytes: Buffer,
    entries: readonly ZipEntry[],
    private readonly limits: ZipLimits,
  ) {
    this.entries = new Map(entries.map((entry) => [entry.name.toLowerCase(), entry]));
  }

  /** Reads the central directory; refuses containers too large or too odd to be a workbook. */
  static async open(bytes: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipContainer> {
    const entries = await readDirectory(bytes, limits);
    return new ZipContainer(bytes, entries, limits);
  }

  /** Part names as stored (without a leading slash). */
  get names(): string[] {
    return [...this.entries.values()].map((entry) => entry.name);
  }

  has(name: string): boolean {
    return this.entries.has(normalise(name));
  }

  /** The declared (not yet verified) size of a part, for deciding what to read. */
  declaredSize(name: string): number | undefined {
    return this.entries.get(normalise(name))?.uncompressedSize;
  }

  /** Inflates one part, verifying its size and checksum, within the byte limits. */
  read(name: string): Buffer {
    const entry = this.entries.get(normalise(name));
    if (!entry)
      throw new WorkbookRefused('file.damaged', { detail: `a part is missing` }, `missing part ${name}`);
    const { limits } = this;
    const budget = Math.min(limits.maxEntryBytes, limits.maxTotalBytes - this.inflatedSoFar);
    if (entry.uncompressedSize > budget) {
      throw new WorkbookRefused(
        'file.too_much_content',
        { detail: `${formatBytes(this.inflatedSoFar + entry.uncompressedSize)} or more` },
        `${entry.name} declares ${entry.uncompressedSize} bytes; budget ${budget}`,
      );
    }
    const data = this.compressedData(entry);
    let content: Buffer;
    if (entry.method === 0) {
      content = data;
    } else {
      try {
        // Never more than the declared size: a larger result means the header lied.
        content = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
      } catch (cause) {
        const tooLarge = (cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
        throw new WorkbookRefused(
          'file.damaged',
          {
            detail: tooLarge
              ? 'its contents are larger than its own index says'
              : 'a part cannot be unpacked',
          },
          `${entry.name}: ${(cause as Error).message}`,
        );
      }
    }
    if (content.length !== entry.uncompressedSize || crc32(content) !== entry.crc32) {
      throw new WorkbookRefused(
        'file.damaged',
        { detail: 'its contents do not match its own index' },
        `${entry.name}: ${content.length} bytes (declared ${entry.uncompressedSize}), crc ${crc32(content)} (declared ${entry.crc32})`,
      );
    }
    this.inflatedSoFar += content.length;
    return content;
  }

  /** A part decoded as UTF-8 text (XML parts). */
  readText(name: string): string {
    return this.read(name).toString('utf8');
  }

  private compressedData(entry: ZipEntry): Buffer {
    const offset = entry.localHeaderOffset;
    const bytes = this.bytes;
    if (offset + 30 > bytes.length || bytes.readUInt32LE(offset) !== LOCAL_HEADER_SIGNATURE) {
      throw new WorkbookRefused(
        'file.damaged',
        { detail: 'a part is missing' },
        `${entry.name}: bad local header`,
      );
    }
    const start = offset + 30 + bytes.readUInt16LE(offset + 26) + bytes.readUInt16LE(offset + 28);
    const end = start + entry.compressedSize;
    if (end > bytes.length) {
      throw new WorkbookRefused(
        'file.damaged',
        { detail: 'it ends too soon' },
        `${entry.name}: data runs past the end`,
      );
    }
    return bytes.subarray(start, end);
  }
}

function normalise(name: string): string {
  return name.replace(/^\//, '').toLowerCase();
}

function readDirectory(bytes: Buffer, limits: ZipLimits): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    const damaged = (cause: unknown) =>
      reject(
        cause instanceof WorkbookRefused
          ? cause
          : new WorkbookRefused(
              'file.damaged',
              { detail: 'its zip structure is broken' },
              (cause as Error).message,
            ),
      );
    yauzl.fromBuffer(
      bytes,
      // Sizes are checked here, on inflation, against the real output; names are
      // decoded so yauzl refuses absolute paths and `..`.
      { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false },
      (error, zip) => {
        if (error || !zip) return damaged(error);
        if (zip.entryCount > limits.maxEntries) {
          zip.close();
          return reject(
            new WorkbookRefused(
              'file.too_much_content',
              { detail: `${zip.entryCount.toLocaleString('en-GB')} parts` },
              `${zip.entryCount} entries`,
            ),
          );
        }
        const entries: ZipEntry[] = [];
        zip.on('entry', (entry: yauzl.Entry) => {
          entries.push({
            name: entry.fileName,
            method: entry.compressionMethod,
            flags: entry.generalPurposeBitFlag,
            compressedSize: entry.compressedSize,
            uncompressedSize: entry.uncompressedSize,
            crc32: entry.crc32,
            localHeaderOffset: entry.relativeOffsetOfLocalHeader,
          });
          if (entry.isEncrypted()) {
            zip.close();
            return reject(
              new WorkbookRefused('file.encrypted', {}, `zip entry ${entry.fileName} is encrypted`),
            );
          }
          if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
            zip.close();
            return damaged(new Error(`${entry.fileName}: compression method ${entry.compressionMethod}`));
          }
          zip.readEntry();
        });
        zip.once('end', () => resolve(entries));
        zip.once('error', damaged);
        zip.readEntry();
      },
    );
  });
}
