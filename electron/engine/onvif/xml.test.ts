import { describe, expect, it } from 'vitest';

import { XmlError, child, escapeXml, find, parseXml, path, textAt } from './xml.js';

function refusal(input: string | Buffer, maxBytes?: number): XmlError {
  try {
    parseXml(input, maxBytes);
  } catch (error) {
    if (error instanceof XmlError) return error;
    throw error;
  }
  throw new Error('parseXml accepted the document');
}

describe('parseXml', () => {
  it('finds elements by local name whatever the prefix', () => {
    const a = parseXml(
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>' +
        '<tds:GetDeviceInformationResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
        '<tds:Manufacturer>Acme &amp; Co</tds:Manufacturer></tds:GetDeviceInformationResponse></s:Body></s:Envelope>',
    );
    const b = parseXml(
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"><SOAP-ENV:Body>' +
        '<GetDeviceInformationResponse xmlns="http://www.onvif.org/ver10/device/wsdl">' +
        '<Manufacturer><![CDATA[Acme & Co]]></Manufacturer></GetDeviceInformationResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    );
    for (const root of [a, b]) {
      expect(root.local).toBe('Envelope');
      expect(root.uri).toBe('http://www.w3.org/2003/05/soap-envelope');
      expect(textAt(root, 'Body', 'GetDeviceInformationResponse', 'Manufacturer')).toBe('Acme & Co');
      expect(path(root, 'Body', 'GetDeviceInformationResponse')?.uri).toBe(
        'http://www.onvif.org/ver10/device/wsdl',
      );
      expect(find(root, 'Manufacturer')?.text).toBe('Acme & Co');
    }
  });

  it('keeps attributes by local name and drops namespace declarations', () => {
    const root = parseXml('<a xmlns:x="urn:x" x:token="p1" fixed="true"><b/></a>');
    expect(root.attributes).toEqual({ token: 'p1', fixed: 'true' });
    expect(child(root, 'b')?.children).toEqual([]);
    expect(child(root, 'missing')).toBeUndefined();
  });

  it('refuses billion laughs (a DOCTYPE with nested entities)', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, index) => {
        const previous = index === 0 ? 'lol' : `lol${index}`;
        return `<!ENTITY lol${index + 1} "${`&${previous};`.repeat(10)}">`;
      }).join('') +
      ']><lolz>&lol9;</lolz>';
    const error = refusal(laughs);
    expect(error.code).toBe('doctype');
  });

  it('refuses external entities (XXE)', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
    expect(refusal(xxe).code).toBe('doctype');
    expect(refusal(xxe).message).not.toContain('root:');
  });

  it('refuses an entity reference that no DOCTYPE declares', () => {
    expect(refusal('<foo>&xxe;</foo>').code).toBe('malformed');
  });

  it('refuses documents over the size cap, counted in bytes', () => {
    const big = `<a>${'x'.repeat(2000)}</a>`;
    expect(refusal(big, 1000).code).toBe('too_large');
    expect(refusal(Buffer.from(big), 1000).code).toBe('too_large');
    // 400 three-byte characters are 1200 bytes although the string has 407 characters
    expect(refusal(`<a>${'€'.repeat(400)}</a>`, 1000).code).toBe('too_large');
    expect(parseXml(`<a>${'x'.repeat(900)}</a>`, 1000).text).toHaveLength(900);
  });

  it('refuses malformed XML and empty input', () => {
    expect(refusal('<a><b></a>').code).toBe('malformed');
    expect(refusal('not xml at all').code).toBe('malformed');
    expect(refusal('').code).toBe('malformed');
  });

  it('escapes text for XML', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});
