export * from './agent-protocol.types';
export * from './cluster-map.types';
