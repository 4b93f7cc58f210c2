// RTMP message types and the small protocol control messages (RTMP spec §5.4, §6.2,
// §7.1): numbers named once, so the publisher and its fake servers in the tests speak
// the same words.

export type RtmpMessage = {
  typeId: number;
  /** Message stream id: 0 for the connection itself, the created stream's id for media. */
  streamId: number;
  /** Milliseconds, 32 bits. */
  timestamp: number;
  payload: Buffer;
};

export const MSG_SET_CHUNK_SIZE = 1;
export const MSG_ABORT = 2;
export const MSG_ACK = 3;
export const MSG_USER_CONTROL = 4;
export const MSG_WINDOW_ACK_SIZE = 5;
export const MSG_SET_PEER_BANDWIDTH = 6;
export const MSG_AUDIO = 8;
export const MSG_VIDEO = 9;
export const MSG_DATA_AMF3 = 15;
export const MSG_COMMAND_AMF3 = 17;
export const MSG_DATA_AMF0 = 18;
export const MSG_COMMAND_AMF0 = 20;

export const UC_STREAM_BEGIN = 0;
export const UC_STREAM_EOF = 1;
export const UC_PING_REQUEST = 6;
export const UC_PING_RESPONSE = 7;

/** Chunk stream ids: control on 2 (the spec's), commands on 3, each medium on its own so their headers compress. */
export const CSID_CONTROL = 2;
export const CSID_COMMAND = 3;
export const CSID_AUDIO = 4;
export const CSID_VIDEO = 6;
export const CSID_DATA = 8;

function u32Message(typeId: number, value: number): RtmpMessage {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(value >>> 0);
  return { typeId, streamId: 0, timestamp: 0, payload };
}

export const setChunkSize = (size: number): RtmpMessage => u32Message(MSG_SET_CHUNK_SIZE, size & 0x7fffffff);
export const acknowledgement = (sequence: number): RtmpMessage => u32Message(MSG_ACK, sequence);
export const windowAckSize = (size: number): RtmpMessage => u32Message(MSG_WINDOW_ACK_SIZE, size);

export function setPeerBandwidth(size: number, limitType: 0 | 1 | 2): RtmpMessage {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE(size);
  payload[4] = limitType;
  return { typeId: MSG_SET_PEER_BANDWIDTH, streamId: 0, timestamp: 0, payload };
}

export function userControl(event: number, value: number): RtmpMessage {
  const payload = Buffer.alloc(6);
  payload.writeUInt16BE(event);
  payload.writeUInt32BE(value >>> 0, 2);
  return { typeId: MSG_USER_CONTROL, streamId: 0, timestamp: 0, payload };
}
