// Schemas for the WebRTC parameters a browser sends (mediasoup-client's shapes).
// They check structure and bounds; mediasoup itself checks the media semantics.
import { z } from 'zod';

const Id = z.string().min(1).max(64);
const Params = z.record(z.string().max(64), z.union([z.string().max(256), z.number()]));

export const DtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.object({
    algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
    value: z.string().regex(/^[0-9A-Fa-f:]{10,200}$/),
  })).min(1).max(8),
});

const RtcpFeedback = z.object({ type: z.string().max(32), parameter: z.string().max(32).optional() });

export const RtpCodecParameters = z.object({
  mimeType: z.string().regex(/^(audio|video)\/[A-Za-z0-9-]+$/),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: Params.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

export const RtpEncodingParameters = z.object({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(16).optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.object({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().positive().optional(),
  maxBitrate: z.number().positive().optional(),
  maxFramerate: z.number().positive().optional(),
  adaptivePtime: z.boolean().optional(),
  priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  active: z.boolean().optional(),
});

export const RtpParameters = z.object({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(16),
  headerExtensions: z.array(z.object({
    uri: z.string().max(256),
    id: z.number().int().min(1).max(255),
    encrypt: z.boolean().optional(),
    parameters: Params.optional(),
  })).max(32).optional(),
  encodings: z.array(RtpEncodingParameters).max(8).optional(),
  rtcp: z.object({
    cname: z.string().max(256).optional(),
    reducedSize: z.boolean().optional(),
    mux: z.boolean().optional(),
  }).optional(),
  msid: z.string().max(256).optional(),
});

export const RtpCapabilities = z.object({
  codecs: z.array(z.object({
    kind: z.enum(['audio', 'video']),
    mimeType: z.string().max(64),
    preferredPayloadType: z.number().int().min(0).max(127).optional(),
    clockRate: z.number().int().positive(),
    channels: z.number().int().min(1).max(8).optional(),
    parameters: Params.optional(),
    rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
  })).max(64).optional(),
  headerExtensions: z.array(z.object({
    kind: z.enum(['audio', 'video']),
    uri: z.string().max(256),
    preferredId: z.number().int().min(1).max(255),
    preferredEncrypt: z.boolean().optional(),
    direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
  })).max(64).optional(),
});

export const MediaId = Id;
