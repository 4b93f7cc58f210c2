// The graphics above the program — a lower third, the countdown to the show's time, a
// LIVE bug, the show's logo — as the director set them: which are on the program, which change with the
// next shot, and what they say. Kept on the server side of the mixer, so a mixer that
// is started again puts them back as they were; changed without touching the encoder.
import { GraphicName, LogoPlacement, type Countdown, type GraphicsText, type GraphicsView, type LogoImage } from '../../../shared/src/protocol.js';
import { Conflict } from '../errors.js';
import type { KeptGraphics } from '../store/GraphicsStore.js';
import type { LogoStore } from './logo.js';
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

  readonly #logo?: { store: LogoStore; frame: { width: number; height: number } };
  /** the mixer could not show the logo's current image: why, for the director (until another is chosen) */
  #logoError?: string;

  /**
   * `logo`: where the logo is kept, and the program's frame it is placed in (none: no logo graphic).
   * `kept`: where which graphics are on and what they say is kept across a restart; they start as it says.
   */
  constructor(send: (command: MixerCommand) => void, changed: () => void, logo?: { store: LogoStore; frame: { width: number; height: number } },
    kept?: { current?: KeptGraphics; keep: (graphics: KeptGraphics) => void }, onKeepFailed?: (err: Error) => void) {
    this.#send = send;
    this.#logo = logo;
    if (kept?.current) {
      this.#text = kept.current.text;
      for (const name of kept.current.onAir) if (name !== 'logo' || logo?.store.file) this.#onAir.add(name);
    }
    this.#changed = () => {
      try {
        kept?.keep({ onAir: [...this.#onAir], text: this.#text });
      } catch (err) {
        onKeepFailed?.(err as Error); // (the show goes on: only a restart would not have them back)
      }
      changed();
    };
  }

  get view(): GraphicsView {
    const logo = this.#logo?.store.view ?? { placement: LogoPlacement.parse({}) };
    return { onAir: [...this.#onAir], withNextShot: [...this.#next.keys()], text: this.#text, logo: this.#logoError ? { ...logo, error: this.#logoError } : logo };
  }

  /** The graphics the next shot will have, each at the opacity it will have (what the preview shows). */
  get nextShot(): Partial<Record<GraphicName, number>> {
    const shown: Partial<Record<GraphicName, number>> = {};
    for (const name of GraphicName.options) {
      if (this.#next.get(name) ?? this.#onAir.has(name)) shown[name] = this.#opacity(name).opacity ?? 1;
    }
    return shown;
  }

  /** A graphic on or off the program now (a short fade), or readied to change with the next shot. */
  set(name: GraphicName, on: boolean, withNextShot: boolean): void {
    if (name === 'logo' && on && !this.#logo?.store.file) throw new Conflict('there is no logo yet: choose its image first (PNG or JPEG)');
    if (name === 'logo' && on && this.#logoError) throw new Conflict(this.#logoError);
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

  /** A new logo image: kept, then shown in place of the old one (at once if it is on the program). */
  async setLogoImage(image: LogoImage): Promise<void> {
    if (!this.#logo) throw new Conflict('this show has no place to keep a logo');
    await this.#logo.store.setImage(image);
    this.#logoError = undefined;
    this.#sendLogo();
    this.#changed();
  }

  /** The logo moved, resized or made more or less opaque: live if it is on the program. */
  setLogoPlacement(placement: LogoPlacement): void {
    if (!this.#logo) throw new Conflict('this show has no place to keep a logo');
    this.#logo.store.setPlacement(placement);
    this.#sendLogo();
    if (this.#onAir.has('logo')) this.#graphic('logo', true, FADE_MS);
    this.#changed();
  }

  /**
   * The mixer could not show the logo's image at `path` (its decoder refused what ffprobe
   * read): the logo leaves the program and the next shot, and the director is told why,
   * until another image is chosen. (A report about an image already replaced is old news.)
   */
  logoFailed(path: string | null, reason: string): void {
    if (!this.#logo || path !== this.#logo.store.file) return;
    this.#logoError = `the program mixer could not show this logo (${reason}): it is off the program; choose another PNG or JPEG`;
    this.#onAir.delete('logo');
    this.#next.delete('logo');
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
    this.#sendLogo();
    for (const name of this.#onAir) this.#send({ cmd: 'graphic', name, on: true, ms: 0, ...this.#opacity(name) });
  }

  #graphic(name: GraphicName, on: boolean, ms: number): void {
    if (on) this.#onAir.add(name);
    else this.#onAir.delete(name);
    this.#send({ cmd: 'graphic', name, on, ms, ...this.#opacity(name) });
  }

  /** (The logo fades to its own opacity; the others to full.) */
  #opacity(name: GraphicName): { opacity?: number } {
    return name === 'logo' && this.#logo ? { opacity: this.#logo.store.view.placement.opacity } : {};
  }

  #sendLogo(): void {
    if (!this.#logo) return;
    const { store, frame } = this.#logo;
    const box = store.box(frame);
    const path = this.#logoError ? undefined : store.file; // (an image the mixer failed on is not tried again)
    this.#send(path && box ? { cmd: 'logo', path, decoder: store.decoder!, ...box } : { cmd: 'logo', path: null });
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
