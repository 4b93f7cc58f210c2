// The program desk as the switching rules see it, faked for their tests: sources are
// plain records, and a take happens when the test delivers the source's keyframe — as
// the splicer does.
import { Writable } from 'node:stream';
import type { Transition } from '../../../shared/src/protocol.js';
import { createLogger } from '../log.js';
import type { ProgramDesk, SourceSeen } from './ProgramDesk.js';
import type { SwitchingPolicy } from './SwitchingPolicy.js';

export const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

/** The plumbing's part, as the splicer behaves: a take waits for the source's keyframe. */
export class FakeDesk implements ProgramDesk {
  onAir: string | undefined;
  pending: string | undefined;
  readonly sources = new Map<string, SourceSeen>();
  readonly takes: string[] = [];
  readonly transitions: (Transition | undefined)[] = [];
  /** what the plumbing can put on air: H.264 only when splicing, more through the mixer */
  codecs = ['video/H264'];
  keyframesAsked = 0;
  policy!: SwitchingPolicy;

  askKeyFrame(): void {
    this.keyframesAsked++;
  }

  source(id: string): SourceSeen | undefined {
    return this.sources.get(id);
  }

  accepts(codec: string): boolean {
    return this.codecs.includes(codec);
  }

  take(id: string, transition?: Transition): void {
    this.takes.push(id);
    this.transitions.push(transition);
    this.pending = id === this.onAir ? undefined : id;
  }

  /** The pending source's keyframe arrives: it is on air. */
  keyframe(): void {
    if (!this.pending) return;
    this.onAir = this.pending;
    this.pending = undefined;
    this.policy.switched(this.onAir);
  }

  add(id: string, label: string, now: number): void {
    this.sources.set(id, { label, present: true, tapped: true, lastVideoAt: now });
    this.policy.sourceAdded();
  }

  /** Video arrives from every present source, and the program's picture goes out. */
  flow(now: number, except: string[] = []): void {
    for (const [id, s] of this.sources) if (s.present && !except.includes(id)) s.lastVideoAt = now;
    if (this.onAir && !except.includes(this.onAir)) this.policy.pictureOut();
  }
}
