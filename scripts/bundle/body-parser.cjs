// body-parser's exports, each parser loaded on its first use, for the faultline executable only
// (scripts/bundle-cli.mjs). Express loads body-parser with itself, and body-parser all four of its
// parsers with their readers (raw-body, zlib, qs, ...) at once; Faultline uses the raw one, and only
// once a request carries a body (src/api/middleware/raw-body.ts), so a server's start reads none.
'use strict';

function bodyParser() {
  throw new Error('The bodyParser() generic has been split into individual middleware to use instead.');
}

bodyParser.json = (options) => require('body-parser/json')(options);
bodyParser.raw = (options) => require('body-parser/raw')(options);
bodyParser.text = (options) => require('body-parser/text')(options);
bodyParser.urlencoded = (options) => require('body-parser/urlencoded')(options);

module.exports = bodyParser;
