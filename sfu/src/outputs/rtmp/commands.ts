// The AMF0 command messages of a publishing client (spec §7.2) and reading the
// server's answers. The stream key only ever goes into releaseStream, FCPublish,
// publish and FCUnpublish payloads — on the wire to the server, nowhere else.
import { decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from './amf0.js';
import { MSG_COMMAND_AMF0, MSG_COMMAND_AMF3, MSG_DATA_AMF0, type RtmpMessage } from './rtmpMessages.js';

export function command(name: string, transactionId: number, streamId: number, ...args: Amf0Value[]): RtmpMessage {
  return { typeId: MSG_COMMAND_AMF0, streamId, timestamp: 0, payload: encodeAmf0(name, transactionId, ...args) };
}

/** FLV script data (onMetaData …) becomes `@setDataFrame` + the same values: how servers expect a publisher's metadata. */
export function setDataFrame(scriptPayload: Buffer, streamId: number, timestamp: number): RtmpMessage {
  return { typeId: MSG_DATA_AMF0, streamId, timestamp, payload: Buffer.concat([encodeAmf0('@setDataFrame'), scriptPayload]) };
}

export type CommandReply = {
  name: string;
  transactionId: number;
  /** The object after the command object: `_result`'s value, `_error`'s and onStatus's info. */
  args: Amf0Value[];
};

/** A command message from the server, or undefined if the message is not one. */
export function readCommand(msg: RtmpMessage): CommandReply | undefined {
  if (msg.typeId !== MSG_COMMAND_AMF0 && msg.typeId !== MSG_COMMAND_AMF3) return undefined;
  // An AMF3 command message starts with one format byte, then is AMF0 in practice.
  const values = decodeAmf0(msg.typeId === MSG_COMMAND_AMF3 ? msg.payload.subarray(1) : msg.payload);
  const [name, transactionId, , ...args] = values;
  if (typeof name !== 'string') return undefined;
  return { name, transactionId: typeof transactionId === 'number' ? transactionId : 0, args };
}

export type StatusInfo = { level: string; code: string; description: string };

/** The info object of onStatus / `_error`: level, code, description, as strings. */
export function statusInfo(reply: CommandReply): StatusInfo {
  const info = reply.args.find((a): a is Amf0Object => typeof a === 'object' && a !== null && !Array.isArray(a)) ?? {};
  const text = (v: Amf0Value) => (typeof v === 'string' ? v : '');
  return { level: text(info['level']), code: text(info['code']), description: text(info['description']) };
}
