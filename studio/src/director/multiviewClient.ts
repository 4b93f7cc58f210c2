// The director page's side of the multiview: keeps one consumer per live camera,
// on a receive transport per SFU router, in step with the show state the server
// pushes. Work is serialised so two state pushes never race each other.
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { Socket } from 'socket.io-client';
import type { DirectorResponses, ProducerRef } from '../../../shared/src/protocol';
import { makeRequester } from '../lib/request';

type Watched = { consumer: types.Consumer; routerId: string };

export class MultiviewClient {
  readonly #request: ReturnType<typeof makeRequester<DirectorResponses>>;
  readonly #device: Promise<Device>;
  readonly #transports = new Map<string, Promise<types.Transport>>(); // routerId →
  readonly #watched = new Map<string, Watched>(); // producerId →
  #queue: Promise<void> = Promise.resolve();
  #wanted: ProducerRef[] = [];
  readonly #onTracks: () => void;

  constructor(socket: Socket, routerRtpCapabilities: types.RtpCapabilities, onTracks: () => void) {
    this.#request = makeRequester<DirectorResponses>(socket);
    this.#onTracks = onTracks;
    this.#device = Device.factory().then(async (device) => {
      await device.load({ routerRtpCapabilities });
      return device;
    });
    socket.on('transport:closed', ({ transportId }) => this.#dropTransport(transportId));
    socket.on('consumer:closed', ({ consumerId }) => {
      for (const [producerId, w] of this.#watched) if (w.consumer.id === consumerId) this.#unwatch(producerId);
    });
  }

  /** The track of a producer (a camera's video, the program), once it is being consumed. */
  track(ref: ProducerRef | undefined): MediaStreamTrack | undefined {
    return ref ? this.#watched.get(ref.producerId)?.consumer.track : undefined;
  }

  /** Follow the show: consume what is wanted (cameras, program), drop what is gone. */
  sync(wanted: ProducerRef[]): void {
    this.#wanted = wanted;
    this.#queue = this.#queue.then(() => this.#reconcile()).catch((err) => {
      console.warn('multiview sync failed; retrying on the next update', err);
    });
  }

  async #reconcile(): Promise<void> {
    const wanted = new Map(this.#wanted.map((r) => [r.producerId, r.routerId]));
    for (const producerId of this.#watched.keys()) if (!wanted.has(producerId)) this.#unwatch(producerId);
    // All at once: one producer that cannot be watched yet (its worker just died: the
    // request waits for its timeout) never keeps the others — the program above all —
    // from the screen.
    const results = await Promise.allSettled([...wanted]
      .filter(([producerId]) => !this.#watched.has(producerId))
      .map(([producerId, routerId]) => this.#watch(producerId, routerId)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async #watch(producerId: string, routerId: string): Promise<void> {
    const transport = await this.#transport(routerId);
    const device = await this.#device;
    const info = await this.#request('consume', {
      transportId: transport.id, producerId, rtpCapabilities: device.rtpCapabilities,
    });
    const consumer = await transport.consume({
      id: info.consumerId, producerId, kind: info.kind, rtpParameters: info.rtpParameters as types.RtpParameters,
    });
    this.#watched.set(producerId, { consumer, routerId });
    await this.#request('consumer:resume', { consumerId: consumer.id });
    this.#onTracks();
  }

  #transport(routerId: string): Promise<types.Transport> {
    let pending = this.#transports.get(routerId);
    if (!pending) {
      pending = this.#createTransport(routerId);
      this.#transports.set(routerId, pending);
      pending.catch(() => this.#transports.delete(routerId));
    }
    return pending;
  }

  async #createTransport(routerId: string): Promise<types.Transport> {
    const device = await this.#device;
    const info = await this.#request('transport:create', { routerId });
    const transport = device.createRecvTransport({
      id: info.transportId,
      iceParameters: info.iceParameters as types.IceParameters,
      iceCandidates: info.iceCandidates as types.IceCandidate[],
      dtlsParameters: info.dtlsParameters as types.DtlsParameters,
      appData: { routerId },
    });
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.#request('transport:connect', { transportId: transport.id, dtlsParameters }).then(() => done(), fail);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed') this.#dropTransport(transport.id);
    });
    return transport;
  }

  #dropTransport(transportId: string): void {
    for (const [routerId, pending] of this.#transports) {
      void pending.then((t) => {
        if (t.id !== transportId) return;
        this.#transports.delete(routerId);
        for (const [producerId, w] of this.#watched) if (w.routerId === routerId) this.#unwatch(producerId);
        t.close();
        this.sync(this.#wanted); // watch again through a new transport
      }, () => undefined);
    }
  }

  #unwatch(producerId: string): void {
    const w = this.#watched.get(producerId);
    if (!w) return;
    this.#watched.delete(producerId);
    w.consumer.close();
    this.#onTracks();
  }

  close(): void {
    for (const producerId of [...this.#watched.keys()]) this.#unwatch(producerId);
    for (const pending of this.#transports.values()) void pending.then((t) => t.close(), () => undefined);
    this.#transports.clear();
  }
}
