import { OUTPUT_CAP_BYTES } from './types.js';

/** Collects one output stream up to a cap, remembering how much was dropped. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly cap: number = OUTPUT_CAP_BYTES) {}

  push(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.cap - this.kept;
    if (room > 0) {
      const part = buffer.length <= room ? buffer : buffer.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, buffer.length - Math.max(0, room));
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `${body}\n[output cut: ${this.dropped} more bytes not kept]` : body;
  }
}
