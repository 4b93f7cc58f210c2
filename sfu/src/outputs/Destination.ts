import type { Destination } from '../store/DestinationStore.js';

export type { Destination };

/** URL query parameters that carry secrets (SRT's stream id and passphrase). */
const SECRET_PARAMS = ['streamid', 'passphrase'];

/** The URL as the director's page may see it: no user:password, no secret parameters. */
export function shownUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  if (!u.username && !u.password && !SECRET_PARAMS.some((p) => u.searchParams.has(p))) return url;
  if (u.username) u.username = '••••';
  if (u.password) u.password = '••••';
  for (const p of SECRET_PARAMS) if (u.searchParams.has(p)) u.searchParams.set(p, '••••');
  return u.toString();
}

/** Every form a destination's secrets can take in a text (as typed, percent-encoded, in a query). */
export function secretForms(d: Pick<Destination, 'url' | 'streamKey'>): string[] {
  const raw = [d.streamKey];
  if (URL.canParse(d.url)) {
    const u = new URL(d.url);
    raw.push(decodeURIComponent(u.username), decodeURIComponent(u.password), ...SECRET_PARAMS.map((p) => u.searchParams.get(p) ?? ''));
  }
  const forms = new Set<string>();
  for (const s of raw) {
    if (!s || s.length < 3) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(new URLSearchParams({ s }).toString().slice(2));
  }
  // Longest first, so a form that contains another is hidden whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** The text with every secret of the destination hidden. */
export function scrubSecrets(text: string, d: Pick<Destination, 'url' | 'streamKey'>): string {
  let out = text;
  for (const s of secretForms(d)) out = out.split(s).join('••••');
  return out;
}
