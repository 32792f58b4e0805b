// mime-types with its table read on first use, for the faultline executable only (scripts/bundle-cli.mjs).
// Express, send, accepts and type-is require mime-types as they load, and mime-types then parses
// mime-db's table of some 2,500 types and indexes it by extension: work every start paid for. The
// admin API names its Content-Types itself, so a server may never look one up; when something does,
// the real package loads then and answers, the same functions over the same table.
'use strict';

/** @type {typeof import('mime-types') | undefined} */
let real;

function mimeTypes() {
  real ??= require('mime-types');
  return real;
}

module.exports = {
  charset: (type) => mimeTypes().charset(type),
  charsets: { lookup: (type) => mimeTypes().charset(type) },
  contentType: (str) => mimeTypes().contentType(str),
  extension: (type) => mimeTypes().extension(type),
  lookup: (path) => mimeTypes().lookup(path),
  get extensions() {
    return mimeTypes().extensions;
  },
  get types() {
    return mimeTypes().types;
  },
  get _extensionConflicts() {
    return mimeTypes()._extensionConflicts;
  },
};
