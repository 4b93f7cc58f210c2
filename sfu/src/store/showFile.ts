// show.json: where camera slots were kept before they moved into the database. It is
// read once, at the first start of a version that has the slots table, and then
// renamed show.json.migrated: kept as a backup, never read again.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { StoreError } from '../errors.js';

export const SHOW_FILE = 'show.json';
export const MIGRATED_SHOW_FILE = `${SHOW_FILE}.migrated`;

// The file's format as the last version that wrote it left it (version 1, the only one).
const FileSlot = z.object({ id: z.string(), name: z.string(), inviteToken: z.string(), createdAt: z.string() });
const ShowFile = z.object({ version: z.literal(1), slots: z.array(FileSlot) });

export type FileSlot = z.infer<typeof FileSlot>;

/** The slots in a show.json, in its order; a torn or foreign file is a StoreError naming it and the fix. */
export function readShowFile(file: string): FileSlot[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // V8 quotes the text around the error, which may be an invite token: never repeated.
    const why = (err as Error).message.replace(/".*$/s, '').replace(/[,. ]+$/, '');
    throw new StoreError(`${file} is not valid JSON (${why}); fix or remove it`);
  }
  const parsed = ShowFile.safeParse(raw);
  if (!parsed.success) throw new StoreError(`${file} does not hold a Régie show: ${parsed.error.issues[0]?.message}; fix or remove it`);
  return parsed.data.slots;
}
