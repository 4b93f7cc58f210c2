// 5. Recovery: a destination that accepts again after being killed; the on-air camera
// dying (the slate at the receivers); a camera back after a 5 s network loss.
import { launchPhoneOnItsOwnNetwork } from '../../e2e/harness/netns.js';
import { BenchShow } from '../lib/show.js';
import { summarize, type Summary } from '../lib/stats.js';
import type { BenchContext } from '../run.js';

export type RecoveryResult = {
  destinationBack: { toLive: Summary; toFrames: Summary; samples: { toLiveMs: number; toFramesMs: number }[] };
  cameraDiesToSlate: { atReceivers: Summary; samples: number[] };
  networkLoss: { toPageLive: Summary; toTileLive: Summary; samples: { toPageLiveMs: number; toTileLiveMs: number; how: string }[] };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function recovery(ctx: BenchContext): Promise<RecoveryResult> {
  const repeats = ctx.quick ? 1 : 3;
  const destinationBack: RecoveryResult['destinationBack']['samples'] = [];
  const slate: number[] = [];
  const show = await BenchShow.open();
  try {
    const base = await show.addCamera();
    await show.cut(base.slotId);
    const [first] = await show.goLive(2, { separateServers: true });
    await show.ensureOnAir(base);
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`recovery: receiver killed and restarted (${i + 1}/${repeats})`);
      show.receivers[0]!.kill();
      await show.waitFor('the destination leaving live', () => show.destinationState(first!) !== 'live', 20000);
      await sleep(2000);
      await show.receivers[0]!.start();
      const back = Date.now();
      const toLiveMs = await show.waitFor('the destination live again', () => show.destinationState(first!) === 'live', 90000);
      const frame = await show.probes[0]!.firstAfter(back, 'any', 60000);
      destinationBack.push({ toLiveMs, toFramesMs: frame.at - back });
      await sleep(2000);
    }
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`recovery: the on-air camera dies (${i + 1}/${repeats})`);
      const cam = await show.addCamera();
      await show.ensureOnAir(cam);
      await sleep(1000);
      const gone = Date.now();
      await cam.page.context().close();
      const arrivals = await Promise.all(show.probes.map((p) => p.firstAfter(gone, 'slate', 15000)));
      slate.push(...arrivals.map((f) => f.at - gone));
      await show.cut(base.slotId);
      await sleep(2000);
    }
  } finally {
    await show.close();
  }

  const loss: RecoveryResult['networkLoss']['samples'] = [];
  const phoneNet = await launchPhoneOnItsOwnNetwork();
  const phoneShow = await BenchShow.open({ REGIE_HOST: '0.0.0.0', REGIE_RTC_LISTEN_IP: '0.0.0.0', REGIE_RTC_ANNOUNCED_IP: phoneNet.studioIp }, { publicHost: phoneNet.studioIp });
  try {
    const phone = await phoneShow.addCamera({ width: 640, height: 360 }, phoneNet.browser);
    await phoneShow.cut(phone.slotId);
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`recovery: the phone loses its network for 5 s (${i + 1}/${repeats})`);
      await sleep(3000);
      const producing = () => phoneShow.server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === phone.slotId).length;
      const before = producing();
      phoneNet.linkDown();
      await sleep(5000);
      phoneNet.linkUp();
      const up = Date.now();
      await phone.page.waitForSelector('[data-testid="camera-status"][data-state="live"]', { timeout: 60000 });
      const toPageLiveMs = Date.now() - up;
      const toTileLiveMs = await phoneShow.waitFor('the tile live again', () =>
        phoneShow.state?.slots.find((s) => s.id === phone.slotId)?.state === 'live', 60000) + toPageLiveMs;
      loss.push({ toPageLiveMs, toTileLiveMs, how: producing() === before ? 'ICE restart (same producers)' : 'rejoin (new producers)' });
    }
  } finally {
    await phoneShow.close();
    await phoneNet.close();
  }
  return {
    destinationBack: {
      toLive: summarize(destinationBack.map((s) => s.toLiveMs)), toFrames: summarize(destinationBack.map((s) => s.toFramesMs)), samples: destinationBack,
    },
    cameraDiesToSlate: { atReceivers: summarize(slate), samples: slate },
    networkLoss: { toPageLive: summarize(loss.map((s) => s.toPageLiveMs)), toTileLive: summarize(loss.map((s) => s.toTileLiveMs)), samples: loss },
  };
}
