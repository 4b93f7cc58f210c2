// A camera browser on a network of its own, as a phone is: Chromium runs in a new
// network namespace joined to the test's namespace by a veth pair, so a test can take
// the phone's link down and up like a tunnel or a wifi → 4G switch. Addresses are
// private (10.77.n.0/24) and exist only inside the test's own namespace.
//
// The studio's address sits on a bridge kept up by a second veth pair: when the
// phone's link drops, only the phone sees a network change — the studio's own
// browsers (the director) keep their interfaces and their connections, as they would.
// The links get no IPv6 link-local addresses: one appearing a second or two after a
// link comes up is a network change to every Chromium in the namespace, which fails
// whatever it is loading then (net::ERR_NETWORK_CHANGED).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ARGS, CHROMIUM } from './browser.js';

export type PhoneOnItsOwnNetwork = {
  browser: Browser;
  /** the studio's address as the phone reaches it */
  studioIp: string;
  /** the phone's interface goes down: the phone sees its network go (wifi off, a tunnel) */
  linkDown: () => void;
  linkUp: () => void;
  /**
   * The phone stays attached to a network that stops carrying anything (an access point
   * that lost its uplink): no interface change the phone could notice, packets just vanish.
   */
  cutUpstream: () => void;
  restoreUpstream: () => void;
  close: () => Promise<void>;
};

let pairs = 0;

export async function launchPhoneOnItsOwnNetwork(): Promise<PhoneOnItsOwnNetwork> {
  const n = ++pairs;
  const dir = mkdtempSync(join(tmpdir(), 'regie-phone-net-'));
  const pidFile = join(dir, 'pid');
  const wrapper = join(dir, 'chromium-in-netns');
  // Chromium waits until its network is wired before starting (no start-up on a dead link).
  writeFileSync(wrapper, `#!/bin/sh
exec unshare --net -- sh -c 'echo $$ > "$0.pid"; i=0; while [ ! -e "$0.ready" ]; do sleep 0.05; i=$((i+1)); [ $i -gt 400 ] && exit 1; done; exec "$0.chromium" "$@"' "${join(dir, 'net')}" "$@"
`);
  chmodSync(wrapper, 0o755);
  writeFileSync(join(dir, 'net.chromium'), `#!/bin/sh\nexec ${CHROMIUM} "$@"\n`);
  chmodSync(join(dir, 'net.chromium'), 0o755);
  const host = `regie-h${n}`;
  const phone = `regie-p${n}`;
  const studioIp = `10.77.${n}.1`;
  const launching = chromium.launch({ executablePath: wrapper, headless: true, args: ARGS });
  const pid = await waitForPid(join(dir, 'net.pid'));
  const sh = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'pipe' });
  const inPhone = (...args: string[]) => sh('nsenter', '-t', String(pid), '-n', ...args);
  const bridge = `regie-b${n}`;
  const keep = `regie-k${n}`;
  const noIpv6 = (link: string, run = sh) => run('ip', 'link', 'set', link, 'addrgenmode', 'none');
  sh('ip', 'link', 'add', bridge, 'address', `02:00:00:77:${n.toString(16).padStart(2, '0')}:01`, 'type', 'bridge');
  noIpv6(bridge);
  sh('ip', 'link', 'add', keep, 'type', 'veth', 'peer', 'name', `${keep}p`);
  noIpv6(keep);
  noIpv6(`${keep}p`);
  sh('ip', 'link', 'set', keep, 'master', bridge);
  sh('ip', 'link', 'set', keep, 'up');
  sh('ip', 'link', 'set', `${keep}p`, 'up');
  sh('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', phone, 'netns', String(pid));
  noIpv6(host);
  sh('ip', 'link', 'set', host, 'master', bridge);
  sh('ip', 'link', 'set', host, 'up');
  sh('ip', 'addr', 'add', `${studioIp}/24`, 'dev', bridge);
  sh('ip', 'link', 'set', bridge, 'up');
  inPhone('ip', 'link', 'set', 'lo', 'up');
  noIpv6(phone, inPhone);
  inPhone('ip', 'addr', 'add', `10.77.${n}.2/24`, 'dev', phone);
  inPhone('ip', 'link', 'set', phone, 'up');
  writeFileSync(join(dir, 'net.ready'), '');
  const browser = await launching;
  return {
    browser,
    studioIp,
    linkDown: () => inPhone('ip', 'link', 'set', phone, 'down'),
    linkUp: () => inPhone('ip', 'link', 'set', phone, 'up'),
    // The phone's cable stays plugged in (its interface up, with carrier): the far end is
    // just taken off the bridge, so what the phone sends goes nowhere and nothing comes back.
    cutUpstream: () => sh('ip', 'link', 'set', host, 'nomaster'),
    restoreUpstream: () => sh('ip', 'link', 'set', host, 'master', bridge),
    close: async () => {
      await browser.close().catch(() => undefined);
      for (const link of [host, keep, bridge]) {
        try { sh('ip', 'link', 'del', link); } catch { /* gone with the namespace */ }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPid(file: string): Promise<number> {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0) return pid;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the phone browser\'s network namespace did not start (is unshare from util-linux installed, and are we root or in a user namespace?)');
}
