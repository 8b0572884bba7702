import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatBitrate,
  formatBytes,
  formatCpu,
  formatDuration,
  formatFps,
  formatSpan,
} from './format.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.50 KB'],
    [10 * 1024 * 1024, '10.0 MB'],
    [250 * 1024 ** 3, '250 GB'],
    [-1, '—'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [61_000, '1m 1s'],
    [3_600_000, '1h 0m 0s'],
    [93_784_000, '1d 2h 3m 4s'],
  ])('%d ms → %s', (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });
});

describe('formatBitrate', () => {
  it.each([
    [0, '0 kbit/s'],
    [850.4, '850 kbit/s'],
    [999, '999 kbit/s'],
    [1000, '1.00 Mbit/s'],
    [2345, '2.35 Mbit/s'],
    [12_500, '12.5 Mbit/s'],
    [-1, '—'],
  ])('%d kbit/s → %s', (kbps, text) => {
    expect(formatBitrate(kbps)).toBe(text);
  });
});

describe('formatFps', () => {
  it.each([
    [0, '0 fps'],
    [15, '15 fps'],
    [14.96, '15 fps'],
    [7.46, '7.5 fps'],
    [Number.NaN, '—'],
  ])('%d → %s', (fps, text) => {
    expect(formatFps(fps)).toBe(text);
  });
});

describe('formatSpan and formatAge', () => {
  it.each([
    [0, '0 s', '0 s ago'],
    [7_400, '7 s', '7 s ago'],
    [60_000, '1 min', '1 min ago'],
    [125_000, '2 min 5 s', '2 min ago'],
    [3_600_000, '1 h', '1 h ago'],
    [3_840_000, '1 h 4 min', '1 h ago'],
    [90_000_000, '1 d 1 h', '1 d ago'],
  ])('%d ms → %s, %s', (milliseconds, span, age) => {
    expect(formatSpan(milliseconds)).toBe(span);
    expect(formatAge(milliseconds)).toBe(age);
  });
});

describe('formatCpu', () => {
  it.each([
    [0, '0 %'],
    [3.44, '3.4 %'],
    [9.96, '10 %'],
    [12.4, '12 %'],
    [187.6, '188 %'],
    [null, '—'],
    [-1, '—'],
  ])('%s → %s', (pct, text) => {
    expect(formatCpu(pct)).toBe(text);
  });
});
