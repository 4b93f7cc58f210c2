// Where the big platforms take a live stream, as each documents it: choosing one fills
// the protocol and the server URL; only the stream key is left to paste. Checked
// against the platforms' help pages; "Custom" is any RTMP, RTMPS or SRT server.
import type { DestinationView } from '../../../shared/src/protocol';

export type Preset = { id: string; name: string; protocol: DestinationView['protocol']; url: string; hint: string };

export const PRESETS: Preset[] = [
  { id: 'youtube', name: 'YouTube', protocol: 'rtmps', url: 'rtmps://a.rtmps.youtube.com:443/live2', hint: 'YouTube Studio → Go live → Stream key' },
  { id: 'twitch', name: 'Twitch', protocol: 'rtmp', url: 'rtmp://live.twitch.tv/app', hint: 'Twitch dashboard → Settings → Stream → Primary stream key' },
  { id: 'facebook', name: 'Facebook', protocol: 'rtmps', url: 'rtmps://live-api-s.facebook.com:443/rtmp', hint: 'Facebook Live Producer → Streaming software → Stream key' },
  { id: 'kick', name: 'Kick', protocol: 'rtmps', url: '', hint: 'Kick dashboard → Settings → Stream URL and Stream key (paste both)' },
  { id: 'custom', name: 'Custom', protocol: 'rtmp', url: '', hint: 'any RTMP, RTMPS or SRT server: its URL, and its key if it has one' },
];
