// The graphics above the program — a lower third, the countdown to the show's time, a
// LIVE bug — as the director set them: which are on the program, which change with the
// next shot, and what they say. Kept on the server side of the mixer, so a mixer that
// is started again puts them back as they were; changed without touching the encoder.
import type { Countdown, GraphicName, GraphicsText, GraphicsView } from '../../../shared/src/protocol.js';
import type { MixerCommand } from './MixerChannel.js';

/** a graphic put on or off the program directly fades this long */
const FADE_MS = 500;

export class MixerGraphics {
  readonly #onAir = new Set<GraphicName>();
  /** readied in preview: on (true) or off (false) with the next shot */
  readonly #next = new Map<GraphicName, boolean>();
  #text: GraphicsText = { title: '', subtitle: '', countdownEnd: 'Happy New Year!' };
  #countdown?: Countdown;
  readonly #send: (command: MixerCommand) => void;
  readonly #changed: () => void;

  constructor(send: (command: MixerCommand) => void, changed: () => void) {
    this.#send = send;
    this.#changed = changed;
  }

  get view(): GraphicsView {
    return { onAir: [...this.#onAir], withNextShot: [...this.#next.keys()], text: this.#text };
  }

  /** A graphic on or off the program now (a short fade), or readied to change with the next shot. */
  set(name: GraphicName, on: boolean, withNextShot: boolean): void {
    if (withNextShot) {
      if (on === this.#onAir.has(name)) this.#next.delete(name); // (nothing would change)
      else this.#next.set(name, on);
    } else {
      this.#next.delete(name);
      this.#graphic(name, on, FADE_MS);
    }
    this.#changed();
  }

  setText(text: GraphicsText): void {
    this.#text = text;
    this.#sendText();
    this.#changed();
  }

  /** What the countdown graphic counts to (the show's countdown). */
  setCountdown(countdown: Countdown | undefined): void {
    this.#countdown = countdown;
    this.#sendCountdown();
  }

  /** The graphics readied for the next shot change with it (the director's cut or take), fading as long as its transition. */
  takeReadied(ms: number): void {
    if (this.#next.size === 0) return;
    for (const [name, on] of this.#next) this.#graphic(name, on, ms);
    this.#next.clear();
    this.#changed();
  }

  /** The graphics as they are, into a mixer that just started. */
  restore(): void {
    this.#sendText();
    for (const name of this.#onAir) this.#send({ cmd: 'graphic', name, on: true, ms: 0 });
  }

  #graphic(name: GraphicName, on: boolean, ms: number): void {
    if (on) this.#onAir.add(name);
    else this.#onAir.delete(name);
    this.#send({ cmd: 'graphic', name, on, ms });
  }

  #sendText(): void {
    const t = this.#text;
    this.#send({ cmd: 'graphic', name: 'lower-third', on: this.#onAir.has('lower-third'), ms: 0, title: t.title, subtitle: t.subtitle });
    this.#sendCountdown();
  }

  #sendCountdown(): void {
    const c = this.#countdown;
    this.#send({ cmd: 'countdown', at: c?.at ?? null, label: c?.label ?? '', final: this.#text.countdownEnd });
  }
}
