import { z } from 'zod';
import { editableHeaderName, headerMap } from './http-attributes.js';
import { matchAttribute } from './http-match.js';
import { defineHttpToxic, type HttpHead, type HttpToxic } from './http-types.js';

const attributes = () =>
  z.object({
    set: headerMap().describe('each replaces every header of that name, or is added'),
    remove: z.array(editableHeaderName()).max(256).default([]).meta({ unit: 'list of names', description: 'removed before `set` applies' }),
    match: matchAttribute(),
  });
type HeaderAttributes = z.infer<ReturnType<typeof attributes>>;

/** Sets and removes headers of matching requests (upstream) or responses (downstream). */
class HttpHeader implements HttpToxic<HeaderAttributes> {
  constructor(private attrs: HeaderAttributes) {}

  apply(head: HttpHead): undefined {
    for (const name of this.attrs.remove) head.headers.delete(name);
    for (const [name, value] of Object.entries(this.attrs.set)) head.headers.set(name, value);
    return undefined;
  }

  update(attrs: HeaderAttributes): void {
    this.attrs = attrs;
  }

  dispose(): void {}
}

/** `http_header`: sets or removes request headers (upstream) or response headers (downstream). */
export const httpHeader = defineHttpToxic({
  layer: 'http',
  type: 'http_header',
  summary: 'Sets or removes headers of matching requests or responses.',
  destructive: false,
  attributes,
  create: (attrs) => new HttpHeader(attrs),
});
