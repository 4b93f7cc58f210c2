// Which web pages may talk to Régie. A browser says which page a request comes from
// (Origin); Régie's own pages come from Régie's own address. A page elsewhere on the
// web must not be able to drive the studio with a director's browser, so foreign
// origins are refused, unless listed in REGIE_ALLOWED_ORIGINS. Requests with no Origin
// come from programs (ffmpeg, OBS, scripts), not from pages, and are judged by their
// credentials alone.
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return true;
  if (!URL.canParse(origin)) return false;
  const o = new URL(origin);
  if (host && o.protocol === 'https:' && o.host === host) return true; // served by this very server
  return allowed.some((a) => URL.canParse(a) && new URL(a).origin === o.origin);
}
