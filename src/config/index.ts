// Storage configuration: levels, keys, spellings, tag patterns, feature flags.
export * from './keys.js';
export * from './tag-pattern.js';
export * from './resolve.js';
export * from './load.js';
export * from './feature-flags.js';
