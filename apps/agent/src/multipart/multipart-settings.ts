/** DI token of the MultipartSettings. */
export const MULTIPART_SETTINGS = Symbol('MultipartSettings');

export interface MultipartSettings {
  /** Smallest part but the last at Complete (S3: 5 MiB). */
  minPartBytes: number;
  /** Largest part (S3: 5 GiB). */
  maxPartBytes: number;
  /** Longest backend key the backend takes: bounds object names of multipart uploads (part keys are longer). */
  maxKeyBytes: number;
  /**
   * How long an unreferenced part is kept before the GC removes it, and so
   * the longest a Complete may take between checking its upload and writing
   * its manifest (it gives up after half of it): the GC never robs a
   * Complete in flight.
   */
  gcGraceMs: number;
  /** Uploads open longer than this are aborted by background work (`multipart.abandonAfterHours`). */
  abandonAfterMs: number;
  /** Most parts one GC pass checks; the next pass goes on where it stopped. */
  gcPartsPerPass: number;
}

export const S3_MIN_PART_BYTES = 5 * 1024 ** 2;
export const S3_MAX_PART_BYTES = 5 * 1024 ** 3;
