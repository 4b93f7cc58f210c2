// Two small SVG charts, enough for the report: grouped bars, and samples as strips
// (every sample a dot, with the median marked). Plain SVG, readable on GitHub.

const COLOURS = ['#3e7bfa', '#e5484d', '#30a46c', '#f5a524', '#8e4ec6'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / p) * p;
}

export function barChart(title: string, groups: string[], series: { label: string; values: number[] }[]): string {
  const W = 640, H = 320, left = 60, bottom = 40, top = 40;
  const max = niceMax(Math.max(...series.flatMap((s) => s.values)));
  const gw = (W - left - 20) / groups.length;
  const bw = (gw * 0.8) / series.length;
  const y = (v: number) => H - bottom - (v / max) * (H - bottom - top);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`, `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(`<line x1="${left}" x2="${W - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`);
  }
  groups.forEach((g, gi) => {
    series.forEach((s, si) => {
      const v = s.values[gi] ?? 0;
      const x = left + gi * gw + gw * 0.1 + si * bw;
      parts.push(`<rect x="${x}" y="${y(v)}" width="${bw - 2}" height="${H - bottom - y(v)}" fill="${COLOURS[si % COLOURS.length]}"><title>${esc(s.label)}: ${v.toFixed(1)}</title></rect>`);
    });
    parts.push(`<text x="${left + gi * gw + gw / 2}" y="${H - bottom + 16}" text-anchor="middle">${esc(g)}</text>`);
  });
  series.forEach((s, si) => parts.push(`<rect x="${left + si * 110}" y="${H - 16}" width="10" height="10" fill="${COLOURS[si % COLOURS.length]}"/><text x="${left + si * 110 + 14}" y="${H - 7}">${esc(s.label)}</text>`));
  parts.push('</svg>');
  return parts.join('\n');
}

export function stripChart(title: string, rows: { label: string; values: number[] }[]): string {
  const W = 640, rowH = 36, left = 150, top = 40, right = 20;
  const H = top + rows.length * rowH + 30;
  const max = niceMax(Math.max(1, ...rows.flatMap((r) => r.values)));
  const x = (v: number) => left + (v / max) * (W - left - right);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`, `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${top - 6}" y2="${H - 30}" stroke="#ddd"/>`, `<text x="${x(v)}" y="${H - 14}" text-anchor="middle">${Math.round(v)}</text>`);
  }
  rows.forEach((r, i) => {
    const cy = top + i * rowH + rowH / 2;
    parts.push(`<text x="${left - 8}" y="${cy + 4}" text-anchor="end">${esc(r.label)}</text>`);
    r.values.forEach((v, j) => parts.push(`<circle cx="${x(v).toFixed(1)}" cy="${(cy - 8 + ((j * 7) % 16)).toFixed(1)}" r="2.5" fill="${COLOURS[i % COLOURS.length]}" fill-opacity="0.6"/>`));
    const sorted = [...r.values].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    if (median !== undefined) parts.push(`<line x1="${x(median)}" x2="${x(median)}" y1="${cy - 12}" y2="${cy + 12}" stroke="#000" stroke-width="2"><title>median ${Math.round(median)}</title></line>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
