/**
 * A small, safe XML reader for SOAP and WS-Discovery answers from devices on the network. Devices are not
 * trusted: a DOCTYPE (and with it every entity declaration, internal or external) is refused outright, only
 * the five predefined entities and character references are understood, and the text is capped before a
 * single byte is parsed. Elements are looked up by local name, so any namespace prefix works.
 */
import { SaxesParser } from 'saxes';

/** 1 MB: a GetProfiles answer from a 16-channel NVR is about 100 kB; anything past this is not a camera. */
export const MAX_XML_BYTES = 1024 * 1024;

/** One element: its local name and namespace URI, attributes by local name, children and direct text. */
export interface XmlElement {
  readonly local: string;
  readonly uri: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated text directly inside this element (not its children's), trimmed. */
  readonly text: string;
}

/** Why a document was refused; `code` lets callers map it to their own error without parsing messages. */
export class XmlError extends Error {
  constructor(
    readonly code: 'too_large' | 'doctype' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

interface MutableElement {
  local: string;
  uri: string;
  attributes: Record<string, string>;
  children: MutableElement[];
  text: string;
}

/** Parses `input` (string or bytes) into its root element, or throws an `XmlError`. */
export function parseXml(input: string | Buffer, maxBytes: number = MAX_XML_BYTES): XmlElement {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > maxBytes) throw new XmlError('too_large', `XML document of ${size} bytes exceeds ${maxBytes}`);
  const text = typeof input === 'string' ? input : input.toString('utf8');

  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: MutableElement[] = [];
  // Set from parser callbacks; an object keeps TypeScript from narrowing them to their initial null.
  const state: { root: MutableElement | null; refused: XmlError | null } = { root: null, refused: null };

  // saxes never expands entities declared in a DTD, but refusing the DOCTYPE itself also keeps out
  // documents that only make sense with one (billion laughs, external SYSTEM entities).
  parser.on('doctype', () => {
    state.refused ??= new XmlError('doctype', 'XML with a DOCTYPE is refused (entities are not allowed)');
  });
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const attribute of Object.values(tag.attributes)) {
      if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') continue;
      attributes[attribute.local] = attribute.value;
    }
    const element: MutableElement = { local: tag.local, uri: tag.uri, attributes, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent !== undefined) parent.children.push(element);
    else state.root = element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    const element = stack.pop();
    if (element !== undefined) element.text = element.text.trim();
  });
  const appendText = (value: string): void => {
    const current = stack.at(-1);
    if (current !== undefined) current.text += value;
  };
  parser.on('text', appendText);
  parser.on('cdata', appendText);

  try {
    parser.write(text).close();
  } catch (error) {
    if (state.refused !== null) throw state.refused;
    throw new XmlError('malformed', `malformed XML: ${firstLine(error)}`);
  }
  if (state.refused !== null) throw state.refused;
  if (state.root === null) throw new XmlError('malformed', 'malformed XML: no root element');
  return state.root;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 200);
}

/** The first direct child named `local` (any namespace), or undefined. */
export function child(element: XmlElement | undefined, local: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.local === local);
}

/** All direct children named `local` (any namespace). */
export function childrenNamed(element: XmlElement | undefined, local: string): XmlElement[] {
  return element === undefined ? [] : element.children.filter((candidate) => candidate.local === local);
}

/** Follows a path of local names through direct children: `path(envelope, 'Body', 'GetProfilesResponse')`. */
export function path(element: XmlElement | undefined, ...locals: string[]): XmlElement | undefined {
  let current = element;
  for (const local of locals) current = child(current, local);
  return current;
}

/** The first element named `local` anywhere below `element` (depth first), or undefined. */
export function find(element: XmlElement | undefined, local: string): XmlElement | undefined {
  if (element === undefined) return undefined;
  for (const candidate of element.children) {
    if (candidate.local === local) return candidate;
    const deeper = find(candidate, local);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

/** Text of the element at `locals` below `element`, or undefined when absent or empty. */
export function textAt(element: XmlElement | undefined, ...locals: string[]): string | undefined {
  const found = path(element, ...locals);
  return found === undefined || found.text === '' ? undefined : found.text;
}

/** Escapes text for an XML text node or attribute value. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
