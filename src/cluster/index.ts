// The Kubernetes side. Importing this barrel is cheap: client-node and yaml load lazily.
export * from './types.js';
export * from './errors.js';
export * from './source.js';
export { FileSource } from './file-source.js';
export { ClusterSource, connectCluster, loadKubeconfig } from './cluster-source.js';
