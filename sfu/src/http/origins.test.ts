import { describe, expect, it } from 'vitest';
import { originAllowed } from './origins.js';

describe('originAllowed', () => {
  it('lets Régie\'s own pages and programs without an Origin in', () => {
    expect(originAllowed('https://192.168.1.20:8443', '192.168.1.20:8443', [])).toBe(true);
    expect(originAllowed(undefined, '192.168.1.20:8443', [])).toBe(true);
  });

  it('refuses a page from elsewhere, a plain-http look-alike and garbage', () => {
    expect(originAllowed('https://evil.example', '192.168.1.20:8443', [])).toBe(false);
    expect(originAllowed('http://192.168.1.20:8443', '192.168.1.20:8443', [])).toBe(false);
    expect(originAllowed('null', '192.168.1.20:8443', [])).toBe(false);
  });

  it('lets in the origins the owner listed (a public name behind a proxy)', () => {
    expect(originAllowed('https://regie.example.org', 'localhost:8443', ['https://regie.example.org'])).toBe(true);
    expect(originAllowed('https://regie.example.org:444', 'localhost:8443', ['https://regie.example.org'])).toBe(false);
  });
});
