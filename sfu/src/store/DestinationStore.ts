// The destination list on disk, stream keys included: written atomically and
// readable by the owner only. It survives restarts; keys never leave this file
// except into the ffmpeg process that pushes to that destination.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DestinationProtocol } from '../../../shared/src/protocol.js';
import type { Destination } from '../outputs/Destination.js';
import { StoreError } from './ShowStore.js';

const Stored = z.object({
  version: z.literal(1),
  destinations: z.array(z.object({
    id: z.string(), name: z.string(), protocol: DestinationProtocol, url: z.string(),
    streamKey: z.string().optional(), enabled: z.boolean(),
  })),
});

export class DestinationStore {
  readonly #file: string;
  #items: Destination[];

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.#file = join(dataDir, 'destinations.json');
    this.#items = existsSync(this.#file) ? DestinationStore.#read(this.#file) : [];
  }

  static #read(file: string): Destination[] {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new StoreError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`);
    }
    const parsed = Stored.safeParse(raw);
    if (!parsed.success) throw new StoreError(`${file} does not hold Régie destinations: ${parsed.error.issues[0]?.message}`);
    return parsed.data.destinations;
  }

  get all(): readonly Destination[] {
    return this.#items;
  }

  get(id: string): Destination | undefined {
    return this.#items.find((d) => d.id === id);
  }

  add(d: Omit<Destination, 'id'>): Destination {
    const item = { ...d, id: randomBytes(6).toString('hex') };
    this.#commit([...this.#items, item]);
    return item;
  }

  /** An update without a stream key keeps the stored one (keys are write-only). */
  update(id: string, d: Omit<Destination, 'id'>): Destination | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const next = { ...d, id, streamKey: d.streamKey === undefined ? current.streamKey : d.streamKey || undefined };
    this.#commit(this.#items.map((x) => (x.id === id ? next : x)));
    return next;
  }

  remove(id: string): boolean {
    if (!this.get(id)) return false;
    this.#commit(this.#items.filter((x) => x.id !== id));
    return true;
  }

  #commit(items: Destination[]): void {
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, destinations: items }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.#file);
    this.#items = items;
  }
}
