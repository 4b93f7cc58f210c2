// The program's plumbing. The program is one pair of producers (H.264 + Opus) on a
// "program router"; every source (camera or slate) is piped there and tapped with a
// DirectTransport consumer, and the splicers forward one source's packets into the
// program producers, switching on a keyframe, so downstream never sees a new stream.
// With the program mixer (../mixer/), that source is the mixer's composed output and
// a take is composed there (a mix, a dip, any codec); while the mixer is down the
// on-air camera itself is spliced, as without one. What goes on air (cut, slate
// fallback, return, tally) is SwitchingPolicy's to decide.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Countdown, GraphicName, GraphicsText, Layout, LogoImage, LogoPlacement, ProgramView, SlateTransition, Transition } from '../../../shared/src/protocol.js';
import { Conflict, Invalid, NotFound } from '../errors.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { Mixer, MIXER_CODECS, MIXER_ID } from '../mixer/Mixer.js';
import { FULL, members } from '../mixer/layouts.js';
import type { LogoStore } from '../mixer/logo.js';
import type { OutputFormat } from '../outputFormat.js';
import type { GraphicsStore } from '../store/GraphicsStore.js';
import type { SlateTransitionStore } from '../store/SlateTransitionStore.js';
import { PROGRAM_AUDIO, PROGRAM_VIDEO, ProgramFeedKeeper } from './ProgramFeed.js';
import { ProgramSources, type Kind, type Source } from './ProgramSources.js';
import { RtpSplicer } from './RtpSplicer.js';
import { ON_AIR_CODEC, SLATE_ID, type ProgramDesk, type SourceSeen } from './ProgramDesk.js';
import { SWITCHING, type SwitchingSettings } from './switchingSettings.js';
import { SwitchingPolicy } from './SwitchingPolicy.js';

const KEYFRAME_REQUEST_INTERVAL_MS = 300;

type SwitcherEvents = { changed: [] };
/** The program mixer's: the program's format, where the logo, which graphics are on and how the slate comes on are kept. */
export type MixerSettings = { format: OutputFormat; logo?: LogoStore; graphics?: GraphicsStore; slate?: SlateTransitionStore };

export class Switcher extends EventEmitter<SwitcherEvents> {
  readonly #log: Logger;
  readonly #sources = new ProgramSources(() => this.#feed.ready(), (s, kind, packet) => this.#splice(s, kind, packet));
  readonly #video = new RtpSplicer({ ...PROGRAM_VIDEO, waitForKeyframe: true });
  readonly #audio = new RtpSplicer({ ...PROGRAM_AUDIO, waitForKeyframe: false });
  readonly #policy: SwitchingPolicy;
  readonly #feed: ProgramFeedKeeper;
  #lastKeyframeRequest = 0;
  #pendingReported = 0;
  #watchdog?: NodeJS.Timeout;
  /** the program mixer (undefined: the program is only ever spliced, REGIE_MIXER=off) */
  readonly #mixer?: Mixer;
  readonly #slateStore?: SlateTransitionStore;
  /** the layout of the shot in preview; the one the director's cut in progress takes */
  #previewLayout: Layout = FULL;
  #cutLayout?: Layout;
  /** while the mixer is down: the slate shown for a camera only the mixer can decode */
  #cover?: { shown: string; for: string };

  private constructor(pool: WorkerPool, log: Logger, settings: SwitchingSettings, mixer?: MixerSettings) {
    super();
    this.#log = log.child({ module: 'switcher' });
    this.#feed = new ProgramFeedKeeper(pool, this.#log, {
      rtcp: () => this.#requestKeyFrame(),
      lost: () => this.#sources.forgetTaps(),
      rebuilt: () => this.#retapAll(),
    });
    const desk: ProgramDesk = {
      get onAir() { return self.#onAir(); },
      get pending() { return self.#pending(); },
      source: (id) => this.#seen(id),
      take: (id, transition) => this.#take(id, transition),
      accepts: (codec) => this.accepts(codec),
      askKeyFrame: () => this.#requestKeyFrame(true),
    };
    const self = this; // (the desk's getters read the switcher)
    this.#policy = new SwitchingPolicy(desk, this.#log, { settings });
    this.#policy.on('changed', () => {
      this.#resumeWanted();
      this.#mixer?.sourcesChanged();
      this.emit('changed');
    });
    if (mixer) this.#mixer = this.#openMixer(mixer);
    this.#slateStore = mixer?.slate;
    if (mixer?.slate?.current) this.#policy.slateTransition = mixer.slate.current;
  }

  /** How the slate goes on air over a stalled camera: a cut, or (through the mixer) a dissolve from its last picture. */
  setSlateTransition(transition: SlateTransition): void {
    if (!this.#mixer && transition.kind !== 'cut') throw new Conflict('a dissolve to the slate needs the program mixer (this show runs with REGIE_MIXER=off)');
    this.#slateStore?.keep(transition);
    this.#policy.slateTransition = transition;
    this.emit('changed');
  }

  #openMixer({ format, logo, graphics }: MixerSettings): Mixer {
    const m = new Mixer({
      format, log: this.#log, logo, graphics,
      sources: {
        router: async () => (await this.programProducers()).router,
        // Only what is tapped: its producer is piped to the program router already.
        producers: (id) => (id === MIXER_ID ? {} : this.#sources.tappedProducers(id)),
        wanted: () => new Set([
          this.#onAir(), this.#pending(), this.#policy.awaited, SLATE_ID,
          ...(this.#policy.preview ? members(this.#policy.preview, this.#previewLayout) : []),
        ].filter((id): id is string => Boolean(id))),
        preview: () => ({ id: this.#policy.preview, layout: this.#previewLayout }),
      },
    });
    // The mixer composes: its output is what the program splices (at its next keyframe).
    m.on('output', (video, audio, router) => {
      void (async () => {
        await this.addProducer(MIXER_ID, 'Program mixer', video, router);
        await this.addProducer(MIXER_ID, 'Program mixer', audio, router);
        if (!m.owns(video)) return; // (that mixer went down meanwhile: its successor hands over)
        this.#cover = undefined;
        this.#video.select(MIXER_ID);
        this.#resumeWanted();
        m.requestKeyFrame();
        this.emit('changed');
      })().catch((err: Error) => {
        this.#log.error({ err: err.message }, 'could not put the program mixer on air; starting another');
        m.restart(`its output could not be put on air: ${err.message}`, video);
      });
    });
    m.on('shown', (id) => this.#policy.switched(id));
    // The mixer is gone: the on-air camera itself is spliced at once (the slate where
    // that cannot be: a codec only the mixer decodes), until a new mixer takes over.
    m.on('down', (reason) => {
      this.removeSource(MIXER_ID);
      const spliceable = (id?: string) => Boolean(id && ((c?: string) => !c || c === ON_AIR_CODEC)(this.#seen(id)?.codec));
      // A take under way goes on if it can be spliced; else what is on air stays, as it can.
      const onAir = spliceable(m.pending) ? m.pending : m.onAir;
      const cover = onAir && spliceable(onAir) ? onAir : SLATE_ID;
      // The slate shown for a camera only the mixer decodes is not a new shot: that camera
      // is still the one on air (its tally, what the new mixer composes).
      this.#cover = onAir && cover !== onAir ? { shown: cover, for: onAir } : undefined;
      this.#log.warn({ reason, cover }, 'the program mixer is down; splicing the on-air source itself meanwhile');
      this.#video.select(cover);
      this.#resumeWanted();
      this.#requestKeyFrame(true);
      this.emit('changed');
    });
    m.on('changed', () => { this.#resumeWanted(); this.emit('changed'); }); // (an input that now listens: its source's tap may resume)
    return m;
  }

  /** The source on air: the mixer's composition, or what is spliced while there is no mixer output. */
  #onAir(): string | undefined {
    if (this.#mixer?.live) return this.#mixer.onAir;
    if (this.#cover) return this.#cover.for;
    const active = this.#video.active;
    return active === MIXER_ID ? this.#mixer?.onAir : active;
  }

  #pending(): string | undefined {
    if (this.#mixer?.live) return this.#mixer.pending;
    const pending = this.#video.pending;
    return pending === MIXER_ID ? undefined : pending;
  }

  static async create(pool: WorkerPool, log: Logger, settings: SwitchingSettings = SWITCHING, mixer?: MixerSettings): Promise<Switcher> {
    const s = new Switcher(pool, log, settings, mixer);
    await s.#feed.build();
    await s.#mixer?.start();
    s.#watchdog = setInterval(() => {
      s.#checkPending();
      s.#policy.tick();
    }, 100);
    return s;
  }

  /** The program producers, for whoever consumes the program (monitor, encoder); waits while they are rebuilt. */
  async programProducers(): Promise<{ video: types.Producer; audio: types.Producer; router: types.Router }> {
    const { video, audio, router } = await this.#feed.ready();
    return { video, audio, router };
  }

  /** What a restarted server puts back: the director's program and preview. */
  get intent(): { program?: string; preview?: string } { return this.#policy.intent; }

  /** After a restart: see SwitchingPolicy.resume. */
  resume(intent: { program?: string; preview?: string }, label: string): void {
    this.#policy.resume(intent, label);
  }

  setPreview(sourceId: string): void { this.#policy.setPreview(sourceId); }

  /** Preview goes on air (with its layout), cut or with a transition; the shot on air goes to preview. */
  cut(transition?: Transition): void {
    const next = this.#previewLayout;
    const current = this.#mixer?.layout ?? FULL;
    this.#cutLayout = next;
    try {
      this.#policy.cut(transition);
    } finally {
      this.#cutLayout = undefined;
    }
    this.#previewLayout = current;
    this.#mixer?.sourcesChanged(); // (the preview's layout changed with it)
    this.#mixer?.graphics.takeReadied(transition && transition.kind !== 'cut' ? transition.ms : 0);
    this.emit('changed');
  }

  /** The mixer, for what only it can do (graphics, layouts); refused with why when the show has none. */
  #mixerFor(what: string): Mixer {
    if (!this.#mixer) throw new Conflict(`${what} need the program mixer, and this show runs without it (REGIE_MIXER=off)`);
    return this.#mixer;
  }

  /** The T-bar at `position` (0-1): the shot in preview mixed over the one on air by hand; at 1 it is taken (a cut from there: the same picture). */
  tbar(position: number): void {
    const mixer = this.#mixerFor('Mixes by hand (the T-bar)');
    const preview = this.#policy.preview;
    if (!preview) throw new Conflict('nothing is in preview: pick a source first');
    if (position >= 1) return this.cut();
    if (!mixer.mixBy(preview, this.#previewLayout, position)) {
      throw new Conflict(mixer.live ? 'a cut or take is under way: move the T-bar once it is on air' : 'the program mixer is starting: the T-bar works once it composes the program');
    }
  }

  setGraphic(name: GraphicName, on: boolean, withNextShot: boolean): void { this.#mixerFor('graphics').graphics.set(name, on, withNextShot); }

  setGraphicsText(text: GraphicsText): void { this.#mixerFor('graphics').graphics.setText(text); }

  async setLogoImage(image: LogoImage): Promise<void> { await this.#mixerFor('a logo').graphics.setLogoImage(image); }

  setLogoPlacement(placement: LogoPlacement): void { this.#mixerFor('a logo').graphics.setLogoPlacement(placement); }

  setCountdown(countdown: Countdown | undefined): void { this.#mixer?.graphics.setCountdown(countdown); }

  /** The layout of the shot in preview (it goes on air with it). */
  setLayout(layout: Layout): void {
    if (layout.kind !== 'full') {
      this.#mixerFor('layouts');
      const other = layout.kind === 'pip' ? layout.inset : layout.right;
      if (!this.#seen(other)) throw new NotFound(`there is no source "${other}" to show in the layout`);
      if (other === this.#policy.preview) throw new Invalid('the second picture is the camera in preview itself: pick another source for it');
    }
    this.#previewLayout = layout;
    this.#mixer?.sourcesChanged();
    this.emit('changed');
  }

  /** This video codec can go on air now: any the mixer decodes while its output is on air, else H.264 only (spliced). */
  accepts(codec: string): boolean {
    const c = codec.toLowerCase();
    return this.#mixer?.live ? MIXER_CODECS.some((m) => m.toLowerCase() === c) : c === ON_AIR_CODEC.toLowerCase();
  }

  /** What a camera's tally light shows: on air wherever the program shows it (Mixer.visible), as a vision mixer's does. */
  tally(sourceId: string): ReturnType<SwitchingPolicy['tally']> { return this.#mixer?.live && this.#mixer.visible.has(sourceId) ? 'program' : this.#policy.tally(sourceId); }

  #seen(id: string): SourceSeen | undefined {
    const s = id === MIXER_ID ? undefined : this.#sources.get(id);
    if (!s) return undefined;
    const origin = s.origins.video;
    return {
      label: s.label,
      present: Boolean(origin && !origin.producer.closed && !origin.router.closed),
      tapped: Boolean(s.taps.video),
      // Its tap, or the mixer decoding it: either proves it sends.
      lastVideoAt: Math.max(s.lastVideoAt, this.#mixer?.lastFrameAt(id) ?? 0),
      codec: origin?.producer.rtpParameters.codecs[0]?.mimeType,
    };
  }

  /** The program was built again (its worker died): every source is tapped anew; the on-air source stays on air. */
  async #retapAll(): Promise<void> {
    await this.#sources.retapAll((source, kind, err) => this.#log.error({ source, kind, err: err.message }, 'could not bring a source back into the rebuilt program'));
    this.#mixer?.sourcesChanged();
    this.#resumeWanted();
    this.#requestKeyFrame(true);
    this.emit('changed');
  }

  /** A source's producer (camera or slate) becomes available to the switcher. */
  async addProducer(sourceId: string, label: string, producer: types.Producer, router: types.Router): Promise<void> {
    await this.#sources.add(sourceId, label, producer, router);
    if (sourceId === MIXER_ID) return;
    this.#policy.sourceAdded();
    this.#mixer?.sourcesChanged();
  }

  /** A tapped packet: into the program if its source is the one spliced. */
  #splice(source: Source, kind: Kind, packet: Buffer): void {
    const splicer = kind === 'video' ? this.#video : this.#audio;
    const program = this.#feed.now;
    const producer = kind === 'video' ? program.video : program.audio;
    const out = splicer.push(source.id, packet, Date.now(), kind === 'video' ? (id) => this.#onVideoSwitched(id) : undefined);
    if (out && !producer.closed) {
      producer.send(out);
      if (kind === 'video') this.#policy.pictureOut();
    }
  }

  #onVideoSwitched(sourceId: string): void {
    this.#audio.select(sourceId); // audio follows video, at the same instant
    if (sourceId === MIXER_ID) {
      this.#log.info({ onAir: this.#mixer?.onAir }, 'the program mixer\'s output is on air');
      return;
    }
    if (sourceId === this.#cover?.shown) return; // (covering for the camera on air)
    this.#mixer?.setOnAir(sourceId); // (spliced while the mixer is down: a new mixer carries on from it)
    this.#policy.switched(sourceId);
  }

  /**
   * The policy puts a source on air: composed by the mixer when its output is on air,
   * else spliced at that source's next keyframe.
   */
  #take(sourceId: string, transition?: Transition): void {
    this.#cover = undefined;
    if (this.#mixer?.live) {
      this.#mixer.take(sourceId, transition, this.#cutLayout);
    } else {
      this.#video.select(sourceId);
      if (this.#video.active === undefined) this.#audio.select(undefined);
      this.#mixer?.take(sourceId); // what a mixer that comes (back) composes first
    }
    this.#resumeWanted();
    // A take composed by the mixer whose output is on air changes nothing downstream: no
    // keyframe of that output (an IDR at every destination, a burst of bits, every cut).
    if (this.#video.active !== MIXER_ID || this.#video.pending !== undefined) this.#requestKeyFrame(true);
    else if (this.#mixer?.pending) this.#mixer.requestInputKeyFrame(this.#mixer.pending);
  }

  /**
   * Only these flow into the program router's taps: what is spliced or about to be, the
   * camera the slate covers, the camera on air (so the policy sees it go silent, and the
   * splice can cover at once if the mixer dies) and the one taken, once the mixer's input
   * for it listens. A tap resumed earlier asks the camera for a keyframe (mediasoup does,
   * on resume) that the mixer's input misses, and the camera ignores the input's own
   * request, within 300 ms (mediasoup asks again a second later): a cut to a camera the
   * mixer was not decoding took 1.1-1.3 s, not 0.1-0.3 (README, "How the program is made").
   */
  #resumeWanted(): void {
    const pending = this.#pending();
    const wanted = [this.#video.active, this.#video.pending, this.#policy.awaited, this.#onAir()];
    const listened = !this.#mixer?.live || (pending !== undefined && this.#mixer.listens(pending));
    this.#sources.resume(new Set(listened ? [...wanted, pending] : wanted));
  }

  /** A downstream consumer (the encoder starting) needs a keyframe now. */
  requestKeyFrame(): void {
    this.#requestKeyFrame(true);
  }

  #requestKeyFrame(now = false): void {
    const t = Date.now();
    if (!now && t - this.#lastKeyframeRequest < KEYFRAME_REQUEST_INTERVAL_MS) return;
    this.#lastKeyframeRequest = t;
    const id = this.#video.pending ?? this.#video.active;
    if (id === MIXER_ID) {
      // The mixer's output for whoever splices it; the source it waits for, for the take.
      this.#mixer?.requestKeyFrame();
      if (this.#mixer?.pending) this.#mixer.requestInputKeyFrame(this.#mixer.pending);
      return;
    }
    if (id) this.#sources.requestKeyFrame(id);
  }

  /** A switch that waits for its keyframe longer than it should says why, once, and asks again. */
  #checkPending(): void {
    const id = this.#video.pending;
    const takenAt = this.#policy.takenAt;
    // (The mixer's output taking over is not a take: the program shows what it showed meanwhile.)
    if (!id || id === MIXER_ID || Date.now() - takenAt < 2000 || this.#pendingReported === takenAt) return;
    this.#pendingReported = takenAt;
    this.#log.warn({ source: id, waitedMs: Date.now() - takenAt, present: this.#seen(id)?.present ?? false, ...this.#sources.describeTap(id) },
      'a switch is still waiting for its source\'s keyframe');
    this.#requestKeyFrame(true);
  }

  removeSource(sourceId: string): void {
    if (this.#sources.remove(sourceId)) this.#policy.sourceRemoved(sourceId);
  }

  view(): ProgramView {
    const program = this.#feed.now;
    const ref = (p: types.Producer) => ({ producerId: p.id, routerId: program.router.id });
    const slate = this.#sources.get(SLATE_ID)?.origins.video;
    return {
      preview: this.#policy.preview,
      program: this.#onAir(),
      pending: this.#pending(),
      previewLayout: this.#previewLayout,
      programLayout: this.#mixer?.live ? this.#mixer.layout : FULL,
      slow: this.#policy.slow,
      abandoned: this.#policy.abandoned,
      fallback: this.#policy.fallbackView,
      alarm: this.#policy.alarm,
      video: ref(program.video),
      audio: ref(program.audio),
      ...(slate && !slate.producer.closed ? { slate: { producerId: slate.producer.id, routerId: slate.router.id } } : {}),
      ...(this.#mixer ? { mixer: this.#mixer.view, graphics: this.#mixer.graphics.view, slateTransition: this.#policy.slateTransition } : {}),
    };
  }

  close(): void {
    clearInterval(this.#watchdog);
    this.#mixer?.stop();
    this.#feed.close();
  }
}
