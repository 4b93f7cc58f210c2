// What one mixer process is told to compose: the scene on air (its layers, their
// stacking, a transition to it) and the preview's picture. Kept per run: a new mixer
// starts with nothing sent, and is told the shot again.
import type { Layout, Transition } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { fullFrame, shotLayers } from './layouts.js';
import type { MixerChannel, MixerCommand, MixerEvent } from './MixerChannel.js';
import { mixAt } from './tbar.js';

type Frame = { width: number; height: number };

export class Composition {
  readonly #channel: MixerChannel;
  readonly #frame: Frame;
  readonly #log: Logger;
  /** stacking: each scene's layers go above the last one's (a mix fades the new over the old) */
  #z = 1;
  /** the second half of a dip through the slate, waiting for the first to end */
  #dipListener?: (e: MixerEvent) => void;
  /** the preview's composition last sent (it is sent again only when it changes) */
  #previewSent?: string;
  /** the shot the T-bar holds part way over the one on air (seen on the program: its tally is on air) */
  #held?: { id: string; layout: Layout };

  constructor(channel: MixerChannel, frame: Frame, log: Logger) {
    this.#channel = channel;
    this.#frame = frame;
    this.#log = log;
  }

  /**
   * This shot on air, with the transition (none: a cut). A dip through the slate goes
   * half the time to the slate, then half from it, if the slate is in the mixer and the
   * shot is still the one wanted (`stillWanted`) when the first half ends.
   */
  scene(id: string, layout: Layout, t: Transition | undefined, slateIn: boolean, stillWanted: () => boolean): void {
    const ms = t && t.kind !== 'cut' ? t.ms : 0;
    this.#held = undefined;
    const send = (c: MixerCommand) => this.#channel.send(c).catch((err: Error) => this.#log.error({ err: err.message }, 'the mixer refused a scene'));
    if (this.#dipListener) this.#channel.off('event', this.#dipListener); // (a dip cut short by this shot)
    this.#dipListener = undefined;
    const shot = () => {
      const layers = shotLayers(id, layout, this.#frame, this.#z + 1);
      this.#z += 2;
      return { cmd: 'scene' as const, layers, gains: { [id]: 1 } };
    };
    if (t?.kind === 'dip-slate' && slateIn && id !== 'slate') {
      void send({ cmd: 'scene', layers: [fullFrame('slate', this.#frame, ++this.#z)], gains: {}, ms: ms / 2 });
      const done = (e: MixerEvent) => {
        if (e.ev !== 'transition-done') return;
        this.#channel.off('event', done);
        this.#dipListener = undefined;
        if (stillWanted()) void send({ ...shot(), ms: ms / 2 });
      };
      this.#dipListener = done;
      this.#channel.on('event', done);
      return;
    }
    void send({ ...shot(), ms, dip: t?.kind === 'dip-black' });
  }

  /** The T-bar at `position`: the shot `to` over the shot `from`, as a mix would show them at that point (tbar.ts). */
  mixBy(from: { id: string; layout: Layout }, to: { id: string; layout: Layout }, position: number): void {
    if (this.#dipListener) this.#channel.off('event', this.#dipListener); // (a dip's second half must not follow)
    this.#dipListener = undefined;
    const shot = ({ id, layout }: { id: string; layout: Layout }, z: number) => ({ layers: shotLayers(id, layout, this.#frame, z), gains: { [id]: 1 } });
    const { layers, gains } = mixAt(shot(from, this.#z + 1), shot(to, this.#z + 3), position);
    this.#held = position > 0 ? to : undefined;
    this.#channel.send({ cmd: 'scene', layers, gains, ms: 0 }).catch((err: Error) => this.#log.error({ err: err.message }, 'the mixer refused a scene'));
  }

  get held(): { id: string; layout: Layout } | undefined { return this.#held; }

  /** The preview's picture, if it changed: the shot in preview (its layout) with the graphics the next shot will have. */
  preview(id: string | undefined, layout: Layout, graphics: Record<string, number>): void {
    const command: MixerCommand = { cmd: 'preview', layers: id ? shotLayers(id, layout, this.#frame, 1) : [], graphics };
    const sent = JSON.stringify(command);
    if (sent === this.#previewSent) return;
    this.#previewSent = sent;
    this.#channel.send(command).catch((err: Error) => {
      if (this.#previewSent === sent) this.#previewSent = undefined; // (tried again on the next change)
      this.#log.warn({ err: err.message }, 'the mixer refused the preview\'s composition');
    });
  }
}
