// The show's logo: the image the director uploaded, kept in the data dir with where it
// sits, so a restarted server (or mixer) puts the same logo back. An image is checked
// before it is kept: its first bytes say PNG or JPEG, and ffprobe must read it as one,
// with its size (the logo keeps its aspect in its corner).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { LogoImage, LogoPlacement, type LogoView } from '../../../shared/src/protocol.js';
import { Invalid, whyCommandFailed } from '../errors.js';

const run = promisify(execFile);
const MAGIC: Record<LogoImage['type'], { bytes: number[]; ext: string; codec: string; decoder: 'pngdec' | 'jpegdec' }> = {
  'image/png': { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], ext: 'png', codec: 'png', decoder: 'pngdec' },
  'image/jpeg': { bytes: [0xff, 0xd8, 0xff], ext: 'jpg', codec: 'mjpeg', decoder: 'jpegdec' },
};
/** larger than this, a logo is a photo: refused with why */
const MAX_SIDE = 2000;

const Saved = z.object({
  placement: LogoPlacement,
  image: z.object({ width: z.number().int().positive(), height: z.number().int().positive(), type: LogoImage.shape.type, version: z.number().int().positive() }).optional(),
});
type Saved = z.infer<typeof Saved>;

export class LogoStore {
  readonly #dir: string;
  #saved: Saved = { placement: LogoPlacement.parse({}) };
  /** uploads one after another: each is a version of its own */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    this.#dir = dir;
    let read: unknown;
    try {
      read = JSON.parse(readFileSync(join(dir, 'logo.json'), 'utf8'));
    } catch { /* none yet, or unreadable: no logo */ }
    const saved = Saved.safeParse(read);
    if (saved.success) this.#saved = saved.data;
    if (this.#saved.image && !existsSync(this.file!)) delete this.#saved.image; // (its file is gone)
  }

  get view(): LogoView {
    return { placement: this.#saved.placement, ...(this.#saved.image ? { image: this.#saved.image } : {}) };
  }

  /** The image file and the GStreamer decoder for it; undefined before any upload. */
  get file(): string | undefined {
    const image = this.#saved.image;
    return image && join(this.#dir, `logo-${image.version}.${MAGIC[image.type].ext}`);
  }

  get decoder(): 'pngdec' | 'jpegdec' | undefined {
    return this.#saved.image && MAGIC[this.#saved.image.type].decoder;
  }

  /** Keeps a new image, once it is shown to be what it says; the previous one is removed. */
  setImage(image: LogoImage): Promise<void> {
    const done = this.#queue.then(() => this.#setImage(image));
    this.#queue = done.catch(() => undefined);
    return done;
  }

  async #setImage(image: LogoImage): Promise<void> {
    const kind = MAGIC[image.type];
    const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    if (!kind.bytes.every((b, i) => data[i] === b)) throw new Invalid(`this file is not a ${image.type === 'image/png' ? 'PNG' : 'JPEG'} image: choose a PNG or JPEG logo`);
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const version = (this.#saved.image?.version ?? 0) + 1;
    const file = join(this.#dir, `logo-${version}.${kind.ext}`);
    const trying = `${file}.new`;
    writeFileSync(trying, data, { mode: 0o600 });
    try {
      const { width, height } = await probe(trying, kind.codec).catch((err: Error) => {
        throw new Invalid(err.message.replaceAll(trying, 'the image')); // (no server path to the browser)
      });
      if (width > MAX_SIDE || height > MAX_SIDE) throw new Invalid(`this image is ${width}×${height}: a logo is at most ${MAX_SIDE} pixels a side`);
      renameSync(trying, file);
      this.#saved = { ...this.#saved, image: { width, height, type: image.type, version } };
      this.#save();
    } finally {
      rmSync(trying, { force: true });
    }
    for (const f of readdirSync(this.#dir)) if (/^logo-\d+\./.test(f) && join(this.#dir, f) !== file) rmSync(join(this.#dir, f), { force: true });
  }

  setPlacement(placement: LogoPlacement): void {
    this.#saved = { ...this.#saved, placement };
    this.#save();
  }

  /** Its box in a frame of this size: in its corner, a margin from the edges, keeping its aspect. */
  box(frame: { width: number; height: number }): { x: number; y: number; w: number; h: number } | undefined {
    const image = this.#saved.image;
    if (!image) return undefined;
    const { corner, size } = this.#saved.placement;
    const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
    let h = even(frame.height * size);
    let w = even((h * image.width) / image.height);
    if (w > frame.width / 2) { // a wide logo: at most half the frame's width
      w = even(frame.width / 2);
      h = even((w * image.height) / image.width);
    }
    const margin = even(frame.height * 0.04);
    const x = corner.endsWith('left') ? margin : frame.width - margin - w;
    const y = corner.startsWith('top') ? margin : frame.height - margin - h;
    return { x, y, w, h };
  }

  #save(): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.#dir, 'logo.json'), JSON.stringify(this.#saved), { mode: 0o600 });
  }
}

/**
 * Its size, as ffprobe reads it, once its picture is decoded whole; refused with why if
 * it cannot be read as this codec, or its picture is damaged (a header that reads well
 * over broken image data: the mixer could not show it).
 */
async function probe(file: string, codec: string): Promise<{ width: number; height: number }> {
  let out: string;
  try {
    ({ stdout: out } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
      '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file], { timeout: 10_000 }));
  } catch (err) {
    throw new Invalid(`this image cannot be read (${whyCommandFailed(err)}): choose another PNG or JPEG logo`);
  }
  const stream = (JSON.parse(out) as { streams?: { codec_name?: string; width?: number; height?: number; nb_read_frames?: string }[] }).streams?.[0];
  if (!stream || stream.codec_name !== codec || !stream.width || !stream.height) throw new Invalid('this image cannot be read as a PNG or JPEG: choose another logo');
  // (Decided by the picture decoded, not by what ffmpeg says on the way: it complains
  // about JPEGs that still decode whole, with bytes after their end.)
  if (stream.nb_read_frames !== '1') {
    throw new Invalid('this image is damaged (its picture cannot be decoded, though its header reads): choose another PNG or JPEG logo');
  }
  return { width: stream.width, height: stream.height };
}
