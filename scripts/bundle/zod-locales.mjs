// zod's locales for the faultline executable only (scripts/bundle-cli.mjs): English, the one zod
// configures itself with and the one Faultline's messages are written against. zod's namespace
// export `locales` would otherwise bring some fifty translations, a third of a megabyte a server's
// start parses and never uses.
export { default as en } from 'zod/v4/locales/en.js';
