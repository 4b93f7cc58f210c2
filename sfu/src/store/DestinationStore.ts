// The destination list on disk, stream keys included, in an embedded SQLite
// database (data dir, owner-only). It survives restarts; keys never leave it except
// into the ffmpeg process that pushes to that destination.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { DestinationProtocol } from '../../../shared/src/protocol.js';
import type { ShowDatabase } from './database.js';

/** A destination as stored on the server, stream key included (it never leaves the server). */
export type Destination = {
  id: string;
  name: string;
  protocol: z.infer<typeof DestinationProtocol>;
  url: string;
  streamKey?: string;
  enabled: boolean;
};

type Row = { id: string; name: string; protocol: Destination['protocol']; url: string; stream_key: string | null; enabled: number };

const fromRow = (r: Row): Destination => ({
  id: r.id, name: r.name, protocol: r.protocol, url: r.url, enabled: r.enabled === 1,
  ...(r.stream_key ? { streamKey: r.stream_key } : {}),
});

export class DestinationStore {
  readonly #db: ShowDatabase;
  #items: Destination[];

  constructor(db: ShowDatabase) {
    this.#db = db;
    this.#items = this.#load();
  }

  #load(): Destination[] {
    return (this.#db.prepare('SELECT * FROM destinations ORDER BY position').all() as Row[]).map(fromRow);
  }

  get all(): readonly Destination[] {
    return this.#items;
  }

  get(id: string): Destination | undefined {
    return this.#items.find((d) => d.id === id);
  }

  add(d: Omit<Destination, 'id'>): Destination {
    const id = randomBytes(6).toString('hex');
    this.#db.prepare(`INSERT INTO destinations (id, position, name, protocol, url, stream_key, enabled)
      VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM destinations), ?, ?, ?, ?, ?)`)
      .run(id, d.name, d.protocol, d.url, d.streamKey || null, d.enabled ? 1 : 0);
    this.#items = this.#load();
    return this.get(id)!;
  }

  /** An update without a stream key keeps the stored one (keys are write-only); an empty one clears it. */
  update(id: string, d: Omit<Destination, 'id'>): Destination | undefined {
    const keep = d.streamKey === undefined;
    const changed = this.#db.prepare(`UPDATE destinations SET name = ?, protocol = ?, url = ?, enabled = ?,
      stream_key = CASE WHEN ? THEN stream_key ELSE ? END WHERE id = ?`)
      .run(d.name, d.protocol, d.url, d.enabled ? 1 : 0, keep ? 1 : 0, d.streamKey || null, id).changes;
    if (changed === 0) return undefined;
    this.#items = this.#load();
    return this.get(id);
  }

  remove(id: string): boolean {
    const removed = this.#db.prepare('DELETE FROM destinations WHERE id = ?').run(id).changes > 0;
    this.#items = this.#load();
    return removed;
  }
}
