/**
 * Where the replicas of one key belong, as service names, resolved from the
 * ring of the key's option (see PlacementService).
 */
export interface Placement {
  option: string;
  partition: number;
  /** The R services that should hold the key, in ring order. */
  primaries: string[];
  /** Other services to use, in order, when a primary cannot take a write. */
  handoffs: string[];
  /** Holders under the option's previous ring that are not primaries now (reads during migration). */
  previousHolders: string[];
  replicas: number;
  writeQuorum: number;
  readQuorum: number;
}
