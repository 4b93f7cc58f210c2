// The program's plumbing as the switching rules see it: the sources it can put on air
// and what it can do with them. Switcher.ts is the real desk; the rules' tests fake it.
import type { Transition } from '../../../shared/src/protocol.js';

export const SLATE_ID = 'slate';

/** What the policy needs to know of a source. */
export type SourceSeen = {
  label: string;
  /** its video producer exists and lives (its tap into the program may be on its way) */
  present: boolean;
  /** its video is tapped into the program router: it can go on air */
  tapped: boolean;
  /** when its last video packet arrived (0: never) */
  lastVideoAt: number;
  /** the video codec it sends ('video/H264', 'video/VP8'), if known */
  codec?: string;
};

/** What the program can put on air when its video is spliced, not decoded (no mixer): H.264 only. */
export const ON_AIR_CODEC = 'video/H264';

/** The program's plumbing, as the policy sees and drives it. */
export interface ProgramDesk {
  /** the source on air now */
  readonly onAir: string | undefined;
  /** the source taken, waiting for its keyframe */
  readonly pending: string | undefined;
  source(id: string): SourceSeen | undefined;
  /** Put this source on air (at its next keyframe), with a transition where the program is mixed. */
  take(id: string, transition?: Transition): void;
  /** This video codec can go on air now. */
  accepts(codec: string): boolean;
  /** Ask the source being taken for a keyframe again. */
  askKeyFrame(): void;
}

/** Why a camera cannot be cut to, in words a director can act on. */
export function codecRefusal(label: string, codec: string): string {
  const name = codec.replace(/^video\//i, '');
  return `"${label}" sends ${name} video, and only H.264 can go on air while the program mixer is down: wait for it to be back, or open its camera link in Chrome, Edge or Safari (or Firefox with H.264 enabled)`;
}
