// Every producer's format: TaskRun/PipelineRun status and results, OCI manifests, and the
// format we write.
export * from './constants.js';
export * from './refs.js';
export * from './location.js';
export * from './extract.js';
export * from './manifest.js';
export * from './build.js';
