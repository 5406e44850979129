export { objectHashHex, partitionOf } from './hash';
export { Ring } from './ring';
export { buildRing, type RingBuildResult } from './ring-builder';
export { RING_FORMAT_VERSION, RING_MAGIC } from './ring-codec';
export { diffRings } from './ring-diff';
export { MAX_PARTITION_POWER, MAX_SERVICES, MIN_PARTITION_POWER } from './ring-input';
export { ringBalance } from './ring-stats';
export { computeIdeals, type RingIdeals } from './ring-targets';
export { RingFormatError, type RingFormatProblem, RingInputError } from './ring.errors';
export type {
  RingBalance,
  RingBuildInput,
  RingBuildReport,
  RingData,
  RingMove,
  RingService,
  RingShare,
} from './ring.types';
