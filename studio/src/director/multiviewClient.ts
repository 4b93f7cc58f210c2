// The director page's side of the multiview: keeps one consumer per live camera,
// on a receive transport per SFU router, in step with the show state the server
// pushes. Each producer is watched on its own, and never asked for twice at once.
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { ProducerRef } from '../../../shared/src/protocol';
import type { DirectorClientEvents, DirectorRequests } from '../../../shared/src/requests';
import type { RequestPayload } from '../../../shared/src/requestTable';
import { makeRequester, type Requester } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';

type Watched = { consumer: types.Consumer; routerId: string };

export class MultiviewClient {
  readonly #request: Requester<DirectorClientEvents>;
  readonly #device: Promise<Device>;
  readonly #transports = new Map<string, Promise<types.Transport>>(); // routerId →
  readonly #watched = new Map<string, Watched>(); // producerId →
  readonly #watching = new Set<string>(); // producerIds whose watch is under way
  #closed = false;
  #retry?: ReturnType<typeof setTimeout>;
  #wanted: ProducerRef[] = [];
  readonly #onTracks: () => void;

  constructor(socket: DirectorSocket, routerRtpCapabilities: types.RtpCapabilities, onTracks: () => void) {
    this.#request = makeRequester(socket);
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
    const ids = new Set(wanted.map((r) => r.producerId));
    for (const producerId of [...this.#watched.keys()]) if (!ids.has(producerId)) this.#unwatch(producerId);
    // Each on its own: a watch that waits (a camera whose worker just died: its request
    // waits for the timeout) never holds back another — the program above all — nor
    // the next state push.
    for (const { producerId, routerId } of wanted) {
      if (this.#watched.has(producerId) || this.#watching.has(producerId)) continue;
      this.#watching.add(producerId);
      this.#watch(producerId, routerId)
        .catch((err) => {
          this.#unwatch(producerId); // a consumer that could not be resumed is no use
          console.warn(`multiview: cannot watch ${producerId} yet; trying again in a second`, err);
          // Not only on the next state push: a monitor must not stay frozen on a quiet show.
          this.#retry ??= setTimeout(() => {
            this.#retry = undefined;
            if (!this.#closed) this.sync(this.#wanted);
          }, 1000);
        })
        .finally(() => {
          this.#watching.delete(producerId);
          // Gone while its watch was under way: let it go.
          if (this.#closed || !this.#wanted.some((r) => r.producerId === producerId)) this.#unwatch(producerId);
        });
    }
  }

  async #watch(producerId: string, routerId: string): Promise<void> {
    const transport = await this.#transport(routerId);
    const device = await this.#device;
    // mediasoup-client types codec parameters as unknown; they are SDP's strings and numbers (the server checks).
    const rtpCapabilities = device.rtpCapabilities as RequestPayload<DirectorRequests, 'consume'>['rtpCapabilities'];
    const info = await this.#request('consume', { transportId: transport.id, producerId, rtpCapabilities });
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
    this.#closed = true;
    clearTimeout(this.#retry);
    for (const producerId of [...this.#watched.keys()]) this.#unwatch(producerId);
    for (const pending of this.#transports.values()) void pending.then((t) => t.close(), () => undefined);
    this.#transports.clear();
  }
}
