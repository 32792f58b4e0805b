// iconv-lite's API over Node's own TextDecoder, for the faultline executable only (scripts/bundle-cli.mjs).
// Express loads body-parser and raw-body, and they load iconv-lite and its half a megabyte of code
// tables, which a server's start then parses. Faultline reads request bodies as bytes (express.raw),
// so none of this decodes anything in practice; should it, Node's TextDecoder knows the WHATWG
// encodings, and any other name is refused with iconv-lite's own message.
'use strict';

function decoderOf(encoding) {
  try {
    return new TextDecoder(String(encoding));
  } catch {
    throw new Error(`Encoding not recognized: '${encoding}' (searched as: '${String(encoding).toLowerCase()}')`);
  }
}

function encodingExists(encoding) {
  try {
    decoderOf(encoding);
    return true;
  } catch {
    return false;
  }
}

/** Decodes a whole buffer; a leading byte order mark is dropped, as iconv-lite does by default. */
function decode(buffer, encoding) {
  return decoderOf(encoding).decode(buffer);
}

/** A streaming decoder with iconv-lite's write/end shape (raw-body's use). */
function getDecoder(encoding) {
  const decoder = decoderOf(encoding);
  return {
    write: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode() || undefined,
  };
}

module.exports = { decode, encodingExists, getDecoder };
