import { describe, expect, it } from 'vitest';

import { createOnvifDevice, parseUtcDateTime } from './device.js';
import { OnvifError } from './errors.js';
import { parseXml } from './xml.js';

describe('parseUtcDateTime', () => {
  it('reads tt:DateTime in any prefix as UTC', () => {
    const element = parseXml(
      '<tt:UTCDateTime xmlns:tt="http://www.onvif.org/ver10/schema"><tt:Time><tt:Hour>23</tt:Hour>' +
        '<tt:Minute>5</tt:Minute><tt:Second>9</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year>' +
        '<tt:Month>11</tt:Month><tt:Day>25</tt:Day></tt:Date></tt:UTCDateTime>',
    );
    expect(parseUtcDateTime(element)).toBe(Date.UTC(2026, 10, 25, 23, 5, 9));
  });

  it('is undefined when a field is missing or not a number', () => {
    expect(parseUtcDateTime(parseXml('<x><Time><Hour>1</Hour></Time></x>'))).toBeUndefined();
    expect(
      parseUtcDateTime(
        parseXml(
          '<x><Time><Hour>a</Hour><Minute>0</Minute><Second>0</Second></Time>' +
            '<Date><Year>2026</Year><Month>1</Month><Day>1</Day></Date></x>',
        ),
      ),
    ).toBeUndefined();
    expect(parseUtcDateTime(undefined)).toBeUndefined();
  });
});

describe('createOnvifDevice', () => {
  it('refuses non-http addresses', () => {
    expect(() => createOnvifDevice({ xaddr: 'rtsp://10.0.0.5/onvif' })).toThrow(OnvifError);
  });
});
