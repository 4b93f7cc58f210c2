import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('loadConfig', () => {
  it('works with no environment at all, on sensible defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8443);
    expect(c.host).toBe('0.0.0.0');
    expect(c.workers).toBeGreaterThanOrEqual(1);
    expect(c.rtc.port).toBe(40000);
    expect(c.publicUrl).toMatch(/^https:\/\/.+:8443$/);
    expect(c.dataDir).toMatch(/\/data$/);
    // A wildcard listen must announce an address browsers can reach.
    expect(c.rtc.announcedIp).toBeTruthy();
  });

  it('reads every knob from the environment', () => {
    const c = loadConfig({
      REGIE_HOST: '127.0.0.1', REGIE_PORT: '9000', REGIE_WORKERS: '3', REGIE_DATA_DIR: '/tmp/x',
      REGIE_RTC_LISTEN_IP: '127.0.0.1', REGIE_RTC_PORT: '0', REGIE_SHOW_NAME: 'Nouvel An',
      REGIE_DIRECTOR_SECRET: 'a-long-enough-secret', REGIE_PUBLIC_URL: 'https://studio.example:9000/',
      REGIE_LOG_LEVEL: 'warn', REGIE_CAMERA_NO_SIGNAL_MS: '2500', REGIE_SLATE_AFTER_MS: '1200', REGIE_DESTINATION_STALL_MS: '9000',
    });
    expect(c).toMatchObject({
      host: '127.0.0.1', port: 9000, workers: 3, dataDir: '/tmp/x', showName: 'Nouvel An',
      directorSecret: 'a-long-enough-secret', publicUrl: 'https://studio.example:9000', logLevel: 'warn', cameraNoSignalMs: 2500, slateAfterMs: 1200, destinationStallMs: 9000,
      rtc: { listenIp: '127.0.0.1', port: 0, announcedIp: undefined },
    });
  });

  it('the three thresholds have defaults, and the camera\'s keeps its old name', () => {
    expect(loadConfig({})).toMatchObject({ cameraNoSignalMs: 1500, slateAfterMs: 800, autoReturnMs: 3000, destinationStallMs: 6000 });
    expect(loadConfig({ REGIE_AUTO_RETURN_MS: '0' }).autoReturnMs).toBe(0);
    expect(loadConfig({ REGIE_STALL_MS: '2000' }).cameraNoSignalMs).toBe(2000);
  });

  it('names each bad setting and says what is wrong', () => {
    const bad = () => loadConfig({ REGIE_PORT: 'eighty', REGIE_WORKERS: '0', REGIE_DIRECTOR_SECRET: 'short' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('REGIE_PORT');
      expect(msg).toContain('REGIE_WORKERS');
      expect(msg).toContain('REGIE_DIRECTOR_SECRET must be at least 12 characters');
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ REGIE_DIRECTOR_SECRET: '', REGIE_PORT: '' })).toMatchObject({ directorSecret: undefined, port: 8443 });
  });

  it('wants both TLS files or neither', () => {
    expect(() => loadConfig({ REGIE_TLS_CERT: '/a.crt' })).toThrow(/go together/);
    expect(loadConfig({ REGIE_TLS_CERT: 'a.crt', REGIE_TLS_KEY: 'a.key' }).tls?.certFile).toMatch(/a\.crt$/);
  });
});
