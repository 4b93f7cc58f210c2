// One director page watching the cameras: a receive transport on each router that
// holds a camera it watches, and one consumer per camera. Tiles take the lowest
// simulcast layer so eight or more stay light on the director's laptop.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { ConsumerInfo, TransportInfo } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { transportInfo, webRtcTransportOptions } from '../media/webRtcTransport.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import { NotFound } from '../errors.js';

type MultiviewEvents = {
  transportClosed: [transportId: string];
  consumerClosed: [consumerId: string];
};

export class MultiviewSession extends EventEmitter<MultiviewEvents> {
  readonly #pool: WorkerPool;
  readonly #log: Logger;
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #consumers = new Map<string, types.Consumer>();

  constructor(pool: WorkerPool, log: Logger) {
    super();
    this.#pool = pool;
    this.#log = log;
  }

  async createTransport(routerId: string): Promise<TransportInfo> {
    const place = this.#pool.find(routerId);
    if (!place) throw new NotFound('that media router is gone (its worker restarted); refresh the show state');
    const transport = await place.router.createWebRtcTransport(webRtcTransportOptions(place.webRtcServer));
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => {
      this.#transports.delete(transport.id);
      this.emit('transportClosed', transport.id);
    });
    transport.on('routerclose', () => this.#log.warn({ routerId }, 'multiview transport lost its router'));
    return transportInfo(transport);
  }

  async connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#transport(transportId).connect({ dtlsParameters });
  }

  async consume(transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities): Promise<ConsumerInfo> {
    const transport = this.#transport(transportId);
    let consumer: types.Consumer;
    try {
      consumer = await transport.consume({
        producerId,
        rtpCapabilities,
        paused: true, // resumed once the page has wired the track, so no keyframe is lost
        preferredLayers: { spatialLayer: 0, temporalLayer: 2 },
        ignoreDtx: true,
      });
    } catch (err) {
      throw new NotFound(`cannot show that camera: ${(err as Error).message}`);
    }
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => {
      this.#consumers.delete(consumer.id);
      this.emit('consumerClosed', consumer.id);
    });
    consumer.on('producerclose', () => consumer.close());
    consumer.on('transportclose', () => consumer.close());
    return { consumerId: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters };
  }

  async resume(consumerId: string): Promise<void> {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new NotFound('unknown consumer (its camera may have left)');
    await consumer.resume();
    if (consumer.kind === 'video') await consumer.requestKeyFrame();
  }

  #transport(transportId: string): types.WebRtcTransport {
    const t = this.#transports.get(transportId);
    if (!t || t.closed) throw new NotFound('unknown transport (it was closed); create a new one');
    return t;
  }

  close(): void {
    for (const t of this.#transports.values()) t.close();
  }
}
