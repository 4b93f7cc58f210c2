// A fake camera for a camera page: getUserMedia is replaced by a canvas of one solid
// colour with a small moving square (so the encoder always has motion), a tone, and on
// request the frame clock in every frame. Distinct colours tell cameras apart downstream.
import type { Browser, Page } from 'playwright-core';
import { newContext } from './browser.js';
import { drawClock } from './frameClock.js';

/**
 * `frontColor`: what the front (selfie) camera shows, where it differs from the back one.
 * `clock`: draw the capture time into every frame (frameClock.ts).
 * `withoutH264`: the browser offers no H.264 (as Firefox without OpenH264, some Android
 * phones): it sends VP8.
 * `flash`: for A/V sync, the picture turns white and the tone sounds for 0.1 s at the
 * start of every second, both from the same drawing (silent in between); the stream
 * is kept as `window.__regieCameraStream` so a test can record what the camera made.
 */
export type FakeCamera = { color: string; toneHz: number; width?: number; height?: number; frontColor?: string; clock?: boolean; withoutH264?: boolean; flash?: boolean };

/**
 * Takes H.264 out of every offer the page's peer connections make (and so out of what
 * mediasoup-client reads as the browser's codecs): its payload types, their RTX, and
 * their lines. The browser then negotiates and encodes VP8, as one without H.264 does.
 */
function withoutH264Script(): string {
  return `(() => {
    const strip = (sdp) => {
      const lines = sdp.split('\\r\\n');
      const gone = new Set();
      for (const l of lines) { const m = /^a=rtpmap:(\\d+) H264\\//i.exec(l); if (m) gone.add(m[1]); }
      for (const l of lines) { const m = /^a=fmtp:(\\d+) apt=(\\d+)/.exec(l); if (m && gone.has(m[2])) gone.add(m[1]); }
      return lines
        .filter((l) => { const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\\d+)/.exec(l); return !(m && gone.has(m[1])); })
        .map((l) => (l.startsWith('m=video') ? l.split(' ').filter((t, i) => i < 3 || !gone.has(t)).join(' ') : l))
        .join('\\r\\n');
    };
    const createOffer = RTCPeerConnection.prototype.createOffer;
    RTCPeerConnection.prototype.createOffer = async function (...args) {
      const offer = await createOffer.apply(this, args);
      return { type: offer.type, sdp: strip(offer.sdp) };
    };
  })();`;
}

/** Replaces getUserMedia in the page with a canvas camera of the given colour. */
function fakeCameraScript({ color, toneHz, width = 1280, height = 720, frontColor, clock, flash }: FakeCamera): string {
  return `(() => {
    const drawClock = ${clock ? drawClock.toString() : 'null'};
    const gum = async (constraints) => {
      const facing = constraints && constraints.video && constraints.video.facingMode;
      const wantsFront = facing === 'user' || (facing && facing.ideal === 'user') || (facing && facing.exact === 'user');
      const colour = wantsFront && ${JSON.stringify(frontColor ?? null)} ? ${JSON.stringify(frontColor ?? '')} : ${JSON.stringify(color)};
      const canvas = document.createElement('canvas');
      canvas.width = ${width}; canvas.height = ${height};
      const ctx = canvas.getContext('2d');
      let n = 0;
      let flashing = false;
      let beep = null; // the tone's gain, when the camera flashes and beeps
      const draw = () => {
        const flashNow = ${flash ? 'true' : 'false'} && Date.now() % 1000 < 100;
        // The beep starts in the drawing that starts the flash: the same instant, as
        // near as a page can make it (the audio clock's next 128-sample block).
        if (beep && flashNow && !flashing) {
          const t = beep.context.currentTime;
          beep.gain.setValueAtTime(1, t);
          beep.gain.setValueAtTime(0, t + 0.1);
        }
        flashing = flashNow;
        ctx.fillStyle = flashNow ? '#ffffff' : colour;
        ctx.fillRect(0, 0, ${width}, ${height});
        ctx.fillStyle = '#808080';
        ctx.fillRect((n++ * 8) % (${width} - 80), 20, 60, 60);
        if (drawClock) drawClock(ctx, ${width}, ${height}, Date.now());
        // A flashing camera's frame is taken as it is drawn (not at the capture's next
        // tick, up to a frame later): the flash's time is then the beep's.
        if (manual) manual.requestFrame();
      };
      const stream = canvas.captureStream(${flash ? 0 : 30});
      const manual = ${flash ? 'stream.getVideoTracks()[0]' : 'null'};
      draw();
      setInterval(draw, 33);
      if (constraints && constraints.audio) {
        const ac = new AudioContext();
        const osc = ac.createOscillator();
        osc.frequency.value = ${toneHz};
        const dest = ac.createMediaStreamDestination();
        if (${flash ? 'true' : 'false'}) {
          beep = ac.createGain();
          beep.gain.value = 0;
          osc.connect(beep).connect(dest);
        } else {
          osc.connect(dest);
        }
        osc.start();
        stream.addTrack(dest.stream.getAudioTracks()[0]);
      }
      window.__regieCameraStream = stream;
      return stream;
    };
    Object.defineProperty(navigator.mediaDevices, 'getUserMedia', { value: gum });
  })();`;
}

export async function openCamera(browser: Browser, url: string, camera: FakeCamera): Promise<Page> {
  const context = await newContext(browser);
  await context.addInitScript(fakeCameraScript(camera));
  if (camera.withoutH264) await context.addInitScript(withoutH264Script());
  const page = await context.newPage();
  await page.goto(url);
  return page;
}
