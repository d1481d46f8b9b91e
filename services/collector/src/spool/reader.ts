// Reads committed frames back from segment files. Recently written data is still in the page
// cache, so this is mostly memcpy; it uses its own file handle and never waits for the writer.
import { open, type FileHandle } from 'node:fs/promises';
import { FRAME_HEADER_BYTES } from './framing.js';
import { segmentPath } from './segment-files.js';

/** Records gathered for one chunk. */
export interface FrameRun {
  records: Buffer[];
  payloadBytes: number;
}

const READ_BLOCK_BYTES = 1 << 20;

export class SegmentReader {
  /** At most one open file: the segment being read. */
  private current: { seq: number; file: FileHandle } | undefined;

  constructor(private readonly dir: string) {}

  /**
   * Adds to `run` the frames of segment `seq` from `start` (a frame boundary) up to `end` (a
   * committed frame boundary) while their payloads fit in `maxPayloadBytes` in total; the first
   * record of a run is taken whatever its size. Returns the offset after the last frame taken.
   *
   * The cut depends only on the frames and the budget, never on how the file is read, so the same
   * start, frames and budget always give the same chunk. CRCs are not re-checked: frames older
   * than this process were verified by recovery, newer ones are our own committed writes.
   */
  async readFrames(seq: number, start: number, end: number, run: FrameRun, maxPayloadBytes: number): Promise<number> {
    const file = await this.fileFor(seq);
    let pos = start;
    let block = Buffer.alloc(0);
    let blockStart = start;
    const load = async (minBytes: number): Promise<void> => {
      block = Buffer.allocUnsafe(Math.min(end - pos, Math.max(minBytes, READ_BLOCK_BYTES)));
      blockStart = pos;
      await readFully(file, block, pos);
    };
    while (pos < end) {
      if (pos + FRAME_HEADER_BYTES > blockStart + block.length) await load(FRAME_HEADER_BYTES);
      const payloadLength = block.readUInt32LE(pos - blockStart);
      if (run.records.length > 0 && run.payloadBytes + payloadLength > maxPayloadBytes) break;
      const frameEnd = pos + FRAME_HEADER_BYTES + payloadLength;
      if (frameEnd > end) throw new Error(`segment ${seq}: frame at ${pos} runs past the committed end ${end}`);
      if (frameEnd > blockStart + block.length) await load(FRAME_HEADER_BYTES + payloadLength);
      const payloadStart = pos + FRAME_HEADER_BYTES - blockStart;
      run.records.push(block.subarray(payloadStart, payloadStart + payloadLength));
      run.payloadBytes += payloadLength;
      pos = frameEnd;
    }
    return pos;
  }

  /** Closes the open segment file, e.g. once it has been read to its final end. */
  async release(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.file.close();
  }

  private async fileFor(seq: number): Promise<FileHandle> {
    if (this.current?.seq === seq) return this.current.file;
    await this.release();
    const file = await open(segmentPath(this.dir, seq), 'r');
    this.current = { seq, file };
    return file;
  }
}

async function readFully(file: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await file.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of segment file at ${position + done}`);
    done += bytesRead;
  }
}
