// qs loaded when something first parses or writes a query string with it, for the faultline executable
// only (scripts/bundle-cli.mjs). Express requires qs as it loads, for its `extended` query parser, and
// qs brings side-channel, object-inspect and get-intrinsic along: work every start paid for. The admin
// API keeps Express's default `simple` parser (node:querystring), so a server never calls qs; should
// something call it, the real package loads then and answers.
'use strict';

/** @type {typeof import('qs') | undefined} */
let real;

function qs() {
  real ??= require('qs');
  return real;
}

module.exports = {
  parse: (str, options) => qs().parse(str, options),
  stringify: (object, options) => qs().stringify(object, options),
  get formats() {
    return qs().formats;
  },
};
