import type { ObjectPlacement, PlacementService } from '../placement/placement.service';

/**
 * The first object name (`obj-0`, `obj-1`, ...) whose placement satisfies
 * `wanted`: specs pick the ring's answer they need instead of hard-coding a
 * ring's layout.
 */
export function nameWhere(
  placement: PlacementService,
  where: { account: string; container: string; option: string },
  wanted: (p: ObjectPlacement) => boolean,
): { name: string; placement: ObjectPlacement } {
  for (let i = 0; i < 10_000; i++) {
    const name = `obj-${i}`;
    const p = placement.forObject(where.account, where.container, name, where.option);
    if (wanted(p)) return { name, placement: p };
  }
  throw new Error('no object name has the placement the spec wants');
}
