// The show: one object that owns everything below it, as mediasoup's Worker owns its
// Routers — its store, its camera slots and the cameras seated in them, the slate,
// the switcher, the program encoder and the outputs (destinations and recording).
// Signaling only authenticates, validates and calls a method here; what happens when
// a phone drops, a slot is deleted or the server comes back after a crash is decided
// here and below. `close()` ends it all, children first.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import {
  AUTH_ERRORS, type CameraQuality, type Countdown, type DestinationTest, type ShowView,
} from '../../../shared/src/protocol.js';
import type { Config } from '../config.js';
import { Invalid, NotFound } from '../errors.js';
import { CameraSeats, type CameraPage } from '../ingest/CameraSeats.js';
import { CameraSession } from '../ingest/CameraSession.js';
import { Slate } from '../ingest/Slate.js';
import { WhipIngest } from '../ingest/whip/WhipIngest.js';
import { SrtInputs } from '../ingest/srt/SrtInputs.js';
import { SrtIngestStore } from '../store/SrtIngestStore.js';
import type { SrtIngestInput } from '../../../shared/src/srtIngest.js';
import type { Logger } from '../log.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { ProgramEncoder } from '../encoder/ProgramEncoder.js';
import { LogoStore } from '../mixer/logo.js';
import { Broadcast } from '../outputs/Broadcast.js';
import { WhepViewers } from '../outputs/whep/WhepViewers.js';
import type { Destination } from '../outputs/Destination.js';
import { openDatabase, type ShowDatabase } from '../store/database.js';
import { CountdownStore } from '../store/CountdownStore.js';
import { GraphicsStore } from '../store/GraphicsStore.js';
import { SlateTransitionStore } from '../store/SlateTransitionStore.js';
import { DestinationStore } from '../store/DestinationStore.js';
import { OnAirStore, type OnAir } from '../store/OnAirStore.js';
import { ShowStore, type StoredSlot } from '../store/ShowStore.js';
import { SLATE_ID } from '../switcher/ProgramDesk.js';
import { Switcher } from '../switcher/Switcher.js';
import { SWITCHING } from '../switcher/switchingSettings.js';
import { CameraSlots } from './CameraSlots.js';
import { WatchPage } from './WatchPage.js';

export type ShowSettings = Pick<Config, 'host' | 'port' | 'rtc' | 'workers' | 'srtPort' | 'whepMaxViewers' | 'showName' | 'dataDir' | 'slateImage' | 'output' | 'mixer' | 'cameraNoSignalMs' | 'slateAfterMs' | 'autoReturnMs' | 'destinationStallMs' | 'rejoinGraceMs'>;

/** An encoder that got its WHIP answer and has not connected by then is given up (its slot freed). */
const WHIP_CONNECT_TIMEOUT_MS = 20_000;

/** Why a slot that takes SRT refuses a camera page or a WHIP encoder. */
const SRT_SLOT = 'This camera slot takes an SRT encoder: ask the director for the link of another slot.';

/** A countdown further than this from now is a typo (a wrong year). */
const COUNTDOWN_RANGE_MS = 366 * 24 * 3600 * 1000;

type ShowEvents = {
  /** Something the director sees changed (coalesced: at most once per tick). */
  changed: [];
};

export class Show extends EventEmitter<ShowEvents> {
  readonly name: string;
  /** where phones reach the server: invite links start with it (known once the server listens) */
  publicUrl = '';
  readonly pool: WorkerPool;
  /** cameras from encoders (OBS, Larix…) over WHIP: seated like pages */
  readonly whip: WhipIngest;
  /** cameras from SRT encoders (drones, bonded and pro encoders): one input per slot that takes SRT */
  readonly #srt: SrtInputs;
  /** the program for low-latency players (WHEP) */
  readonly whep: WhepViewers;
  readonly #log: Logger;
  readonly #db: ShowDatabase;
  readonly #slots: CameraSlots;
  readonly #seats: CameraSeats<CameraSession>;
  /** preview, program, the mixer's shots and graphics: the director drives it directly */
  readonly switcher: Switcher;
  readonly #slate: Slate;
  readonly #broadcast: Broadcast;
  readonly #countdown: CountdownStore;
  /** the watch page: who may watch, its HLS files and state */
  readonly watch: WatchPage;
  /** what the show was doing when this server last ran: resumed once it listens */
  readonly #was: OnAir;
  #pending = false;
  #closed = false;

  /** Opens the show's store and builds the show on the given workers, the slate in the switcher (on air at its first keyframe). */
  static async open(settings: ShowSettings, pool: WorkerPool, log: Logger): Promise<Show> {
    const db = openDatabase(settings.dataDir);
    let switcher: Switcher | undefined;
    try {
      const store = new ShowStore(db, settings.dataDir);
      if (store.showFileImport) log.info(store.showFileImport, 'camera slots moved from show.json into the database; the file is kept as a backup');
      switcher = await Switcher.create(pool, log, { ...SWITCHING, slateAfterMs: settings.slateAfterMs, autoReturnMs: settings.autoReturnMs },
        settings.mixer ? { format: settings.output, logo: new LogoStore(join(settings.dataDir, 'graphics')), graphics: new GraphicsStore(db), slate: new SlateTransitionStore(db) } : undefined);
      const show = new Show(settings, pool, log, db, store, switcher);
      await show.#slate.start();
      return show;
    } catch (err) {
      switcher?.close();
      db.close();
      throw err;
    }
  }

  private constructor(settings: ShowSettings, pool: WorkerPool, log: Logger, db: ShowDatabase, store: ShowStore, switcher: Switcher) {
    super();
    this.name = settings.showName;
    this.pool = pool;
    this.#log = log;
    this.#db = db;
    const onAir = new OnAirStore(db);
    this.#was = onAir.current;
    this.#countdown = new CountdownStore(db);
    this.#slots = new CameraSlots(store);
    this.switcher = switcher;
    const cameraLog = log.child({ module: 'camera' });
    this.#seats = new CameraSeats({
      open: (slotId) => this.#openSession(slotId, cameraLog.child({ slot: slotId }), settings.cameraNoSignalMs),
      rejoinGraceMs: settings.rejoinGraceMs,
      log: cameraLog,
    });
    this.whip = new WhipIngest({
      seats: {
        page: (slotId) => this.#seats.page(slotId),
        join: (slotId, page) => this.cameraJoined(slotId, page, 'whip'),
        closed: (slotId, page, how, reason) => this.#seats.closed(slotId, page, how, reason),
        lost: (slotId, page, why) => this.#seats.lost(slotId, page, why),
      },
      capabilities: () => pool.rtpCapabilities,
      connectTimeoutMs: WHIP_CONNECT_TIMEOUT_MS,
      log,
      refuse: (slotId) => (this.slotTakesSrt(slotId) ? SRT_SLOT : undefined),
    });
    this.#srt = new SrtInputs(new SrtIngestStore(db), {
      listenHost: settings.host, firstPort: settings.srtPort, pool,
      // The studio's port, and the media ports (one UDP+TCP port per worker).
      reservedPorts: [settings.port, ...(settings.rtc.port > 0 ? Array.from({ length: settings.workers }, (_, i) => settings.rtc.port + i) : [])],
      seats: {
        page: (slotId) => this.#seats.page(slotId),
        join: (slotId, page) => this.cameraJoined(slotId, page, 'srt'),
        lost: (slotId, page, why) => this.#seats.lost(slotId, page, why),
        closed: (slotId, page, how, reason) => this.#seats.closed(slotId, page, how, reason),
      },
      log, onChange: () => this.#changed(),
    });
    this.#srt.start((slotId) => Boolean(this.#slots.slot(slotId)));
    this.whep = new WhepViewers({
      pool, program: () => switcher.programProducers(), maxViewers: settings.whepMaxViewers,
      connectTimeoutMs: WHIP_CONNECT_TIMEOUT_MS, log, onChange: () => this.#changed(),
    });
    this.#slate = new Slate({
      image: settings.slateImage, dir: join(settings.dataDir, 'slate'), pool, log,
      onProduced: (producer, router) => switcher.addProducer(SLATE_ID, 'Slate', producer, router),
    });
    const encoder = new ProgramEncoder({
      format: settings.output, log,
      program: () => switcher.programProducers(),
      requestKeyFrame: () => switcher.requestKeyFrame(),
    });
    this.#broadcast = new Broadcast({
      encoder, store: new DestinationStore(db), onAir, dataDir: settings.dataDir, stallMs: settings.destinationStallMs,
      segmentSeconds: settings.output.keyframeSeconds, log,
    });
    this.watch = new WatchPage(db, {
      name: this.name, publicUrl: () => this.publicUrl, countdown: () => this.#countdown.current,
      broadcast: this.#broadcast, whep: this.whep, changed: () => this.#changed(),
    });

    switcher.setCountdown(this.#countdown.current); // (the program's countdown graphic counts to it)
    // After a restart, the camera that was on air goes back on air once it rejoins.
    switcher.resume(this.#was, this.#slotName(this.#was.program) ?? 'the camera');
    switcher.on('changed', () => {
      onAir.update(switcher.intent);
      this.#seats.tally((slotId) => switcher.tally(slotId));
      this.#changed();
    });
    this.#broadcast.on('changed', () => this.#changed());
    this.#slots.on('changed', () => this.#changed());

    this.#seats.on('opened', (_slotId, session) => this.#slots.attach(session));
    this.#seats.on('left', (_slotId, session, reason) => {
      this.#slots.detach(session, reason);
      this.whip.left(session);
    });
    this.#slots.on('talkback', (slotId, message) => this.#seats.page(slotId)?.send('talkback', message));
    this.#slots.on('quality', (slotId, quality) => this.#seats.page(slotId)?.send('quality:set', quality));
    this.#slots.on('inviteRevoked', (slotId) => this.#seats.revoke(slotId, AUTH_ERRORS.unknownToken));
  }

  #openSession(slotId: string, log: Logger, noSignalMs: number): CameraSession {
    const session = new CameraSession(slotId, this.pool, { log, noSignalMs });
    session.on('lost', (reason) => {
      // The page publishes again; its next transport lands on a live worker.
      log.warn({ reason }, 'camera lost its media path; asking the page to publish again');
      this.#seats.page(slotId)?.send('session:reset', { reason, routerRtpCapabilities: this.pool.rtpCapabilities });
    });
    session.on('produced', (producer, router) => {
      this.switcher.addProducer(slotId, this.#slotName(slotId) ?? slotId, producer, router).catch((err: Error) =>
        log.error({ err: err.message }, 'could not bring the camera into the program router'));
    });
    return session;
  }

  #slotName(slotId: string | undefined): string | undefined {
    return slotId ? this.#slots.slot(slotId)?.name : undefined;
  }

  /**
   * Back from a crash: the show goes back to what it was doing (live, the destinations
   * that ran). Called once the server listens: a start that fails (port taken) and is
   * retried by the supervisor must not put the destinations on and off air each time.
   */
  resume(): void {
    this.#broadcast.resume(this.#was).catch((err: Error) => this.#log.error({ err: err.message }, 'could not resume the show; Go live starts it again'));
  }

  /** Everything the director sees, in one push: slots, switcher, destinations. */
  view(): ShowView {
    return {
      showName: this.name, publicUrl: this.publicUrl, countdown: this.#countdown.current,
      slots: this.#slots.view().map((slot) => {
        const srt = this.#srt.view(slot.id, this.#publicHost());
        // Whether its codec can go on air is the program's to say (any, through the mixer).
        if (slot.videoFormat) slot.videoFormat.onAir = this.switcher.accepts(`video/${slot.videoFormat.codec}`);
        return srt ? { ...slot, srt } : slot;
      }),
      program: this.switcher.view(), ...this.#broadcast.view(), watch: this.watch.view(),
    };
  }

  // ---- the director's requests -------------------------------------------------

  createSlot(name: string): StoredSlot {
    return this.#slots.createSlot(name);
  }

  renameSlot(slotId: string, name: string): void {
    this.#slots.renameSlot(slotId, name);
  }

  /** The slot, its invite and its camera are gone; its source leaves the switcher. */
  deleteSlot(slotId: string): void {
    this.#slots.deleteSlot(slotId);
    this.#srt.remove(slotId);
    this.switcher.removeSource(slotId);
  }

  /** The slot takes SRT (Régie listens, or calls the encoder); null: it no longer does. */
  setSrt(slotId: string, srt: SrtIngestInput | null): void {
    if (!this.#slots.slot(slotId)) throw new NotFound(`there is no camera slot ${slotId} (it may have been deleted)`);
    this.#srt.set(slotId, srt);
    // The slot takes SRT alone: a phone or an encoder in it now is sent away, with why.
    const holder = this.#seats.session(slotId);
    if (srt && holder && holder.sender !== 'srt') this.#seats.revoke(slotId, SRT_SLOT);
  }

  /** The slot takes an SRT encoder, and so no camera page or WHIP encoder. */
  slotTakesSrt(slotId: string): boolean {
    return this.#srt.has(slotId);
  }

  /** The host name encoders reach this server by (from the public URL). */
  #publicHost(): string {
    return URL.canParse(this.publicUrl) ? new URL(this.publicUrl).hostname : 'localhost';
  }

  renewInvite(slotId: string): void {
    this.#slots.renewInvite(slotId);
  }

  addDestination(d: Omit<Destination, 'id'>): string {
    return this.#broadcast.add(d);
  }

  updateDestination(destinationId: string, d: Omit<Destination, 'id'>): void {
    this.#broadcast.update(destinationId, d);
  }

  removeDestination(destinationId: string): void {
    this.#broadcast.remove(destinationId);
  }

  startDestination(destinationId: string): Promise<void> {
    return this.#broadcast.start(destinationId);
  }

  testDestination(destinationId: string | undefined, draft?: Omit<Destination, 'id'>): Promise<DestinationTest> {
    return this.#broadcast.test(destinationId, draft);
  }

  stopDestination(destinationId: string): void {
    this.#broadcast.stop(destinationId);
  }

  goLive(): Promise<void> {
    return this.#broadcast.goLive();
  }

  endLive(): void {
    this.#broadcast.endLive();
    this.whep.endAll('the show ended');
  }

  /** The time the show counts down to (undefined: none), on every screen at once. */
  setCountdown(at: Date | undefined, label: string): void {
    if (at && Math.abs(at.getTime() - Date.now()) > COUNTDOWN_RANGE_MS) {
      throw new Invalid('the countdown\'s time must be within a year from now (check the date)');
    }
    const countdown: Countdown | undefined = at ? { at: at.getTime(), label } : undefined;
    this.#countdown.set(countdown);
    this.switcher.setCountdown(countdown);
    this.#seats.broadcast('countdown', countdown ?? null);
    this.#changed();
  }

  sendTalkback(text: string, slotId?: string): string[] {
    return this.#slots.sendTalkback(text, slotId);
  }

  requestQuality(slotId: string, quality: CameraQuality): void {
    this.#slots.requestQuality(slotId, quality);
  }

  // ---- the cameras -----------------------------------------------------------------

  /** The slot an invite token opens, if it is valid. */
  slotForInvite(token: string): StoredSlot | undefined {
    return this.#slots.slotForInvite(token);
  }

  /**
   * A camera page joined its slot: it takes the slot's seat and is welcomed — how to
   * reach the SFU, its tally, and a talkback message it has not read yet.
   */
  cameraJoined(slotId: string, page: CameraPage, sender: CameraSession['sender'] = 'page'): CameraSession {
    const { session } = this.#seats.join(slotId, page);
    session.sender = sender;
    const transportId = session.transportId;
    const countdown = this.#countdown.current;
    page.send('camera:welcome', {
      slotId, slotName: this.#slotName(slotId) ?? '', routerRtpCapabilities: this.pool.rtpCapabilities,
      ...(transportId ? { transportId } : {}), ...(countdown ? { countdown } : {}),
    });
    this.#seats.tally((id) => this.switcher.tally(id));
    const pending = this.#slots.pendingTalkback(slotId);
    if (pending) page.send('talkback', pending); // sent while the phone was away
    return session;
  }

  /** The page said goodbye: its camera is offline at once. */
  cameraClosed(slotId: string, page: CameraPage, how: string): void {
    this.#seats.closed(slotId, page, how);
  }

  /** The page went silent: its slot is kept while it comes back. */
  cameraLost(slotId: string, page: CameraPage, why: string): void {
    this.#seats.lost(slotId, page, why);
  }

  ackTalkback(slotId: string, messageId: string): void {
    this.#slots.ackTalkback(slotId, messageId);
  }

  // ----------------------------------------------------------------------------------

  #changed(): void {
    if (this.#pending || this.#closed) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      if (!this.#closed) this.emit('changed');
    });
  }

  /** Ends the show: outputs, cameras, slate and switcher, then the store. The workers are the caller's. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.watch.close();
    this.#broadcast.close();
    this.whip.close();
    this.whep.close();
    this.#srt.close();
    this.#seats.close();
    this.#slate.close();
    this.switcher.close();
    this.#db.close();
  }
}
