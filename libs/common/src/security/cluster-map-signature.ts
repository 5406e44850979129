import { KeyObject, sign, verify } from 'node:crypto';
import type { ClusterMap, MapKeyLink } from '../cluster/cluster-map.types';
import { BadRequestError, UnauthorizedError } from '../errors/domain.error';
import { canonicalJson } from './canonical-json';
import { keyIdOf, parseEd25519PublicKey } from './ed25519-keys';

/**
 * Signed cluster maps. The controller signs every map with its current
 * signing key (the last link of `mapKeys`); an agent pins that key at its
 * first join and afterwards accepts a map only when a chain of endorsements
 * leads from its pinned key to the key that signed the map. Rotation thus
 * needs no agent to be online at the moment it happens.
 */

/** Highest map version anyone accepts: far beyond any real cluster's life, far below 2^53. */
export const MAX_MAP_VERSION = 2 ** 40;
/** Largest jump from the held version: a controller never publishes this many versions while an agent is away. */
export const MAX_MAP_VERSION_STEP = 1_000_000;

/** The key an agent trusts for maps. */
export interface PinnedMapKey {
  keyId: string;
  publicKey: string;
}

const MAP_DOMAIN = 'mcos-cluster-map-v1\n';
const ENDORSEMENT_DOMAIN = 'mcos-map-key-v1\n';

/** The bytes a map's signature covers: everything but the signature, canonical JSON, domain-separated. */
export function clusterMapSigningBytes(map: ClusterMap): Buffer {
  const { signature: _signature, ...unsigned } = map;
  return Buffer.from(MAP_DOMAIN + canonicalJson(unsigned));
}

/** The bytes an endorsement covers: the endorsed key and its id. */
export function mapKeyEndorsementBytes(link: Pick<MapKeyLink, 'keyId' | 'publicKey'>): Buffer {
  return Buffer.from(ENDORSEMENT_DOMAIN + canonicalJson({ keyId: link.keyId, publicKey: link.publicKey }));
}

/** A new link for `publicKeyPem`, endorsed by the previous key (absent for the first). */
export function endorseMapKey(publicKeyPem: string, previousPrivateKey?: KeyObject): MapKeyLink {
  const link: MapKeyLink = { keyId: keyIdOf(publicKeyPem), publicKey: publicKeyPem };
  if (previousPrivateKey) link.endorsement = sign(null, mapKeyEndorsementBytes(link), previousPrivateKey).toString('base64url');
  return link;
}

/** Returns `map` with its signature by `privateKey`, whose id must be the last mapKeys link's. */
export function signClusterMap(map: ClusterMap, privateKey: KeyObject): ClusterMap {
  const last = map.mapKeys?.[map.mapKeys.length - 1];
  if (!last) throw new Error('signClusterMap: the map carries no signing key');
  const unsigned: ClusterMap = { ...map, signature: undefined };
  delete unsigned.signature;
  const value = sign(null, clusterMapSigningBytes(unsigned), privateKey).toString('base64url');
  return { ...unsigned, signature: { keyId: last.keyId, value } };
}

/**
 * Refuses a version no honest controller makes: not a positive safe integer,
 * above MAX_MAP_VERSION, or (when `held` > 0) more than MAX_MAP_VERSION_STEP
 * above the held one.
 *
 * @throws BadRequestError naming the problem.
 */
export function checkMapVersion(version: unknown, held: number): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new BadRequestError('cluster map version must be a positive integer');
  }
  if (version > MAX_MAP_VERSION) throw new BadRequestError(`cluster map version ${version} is beyond the maximum ${MAX_MAP_VERSION}`);
  if (held > 0 && version > held + MAX_MAP_VERSION_STEP) {
    throw new BadRequestError(`cluster map version ${version} is too far ahead of the held v${held}`);
  }
  return version;
}

/**
 * Verifies a map's signature and key chain.
 *
 * @param pinned the key trusted so far; undefined only at the first join,
 *   when the map comes in the registration answer (the chain is then
 *   checked from its first link).
 * @returns the key to pin from now on (the map's signing key).
 * @throws UnauthorizedError unsigned, badly signed, or not reachable from the pinned key.
 * @throws BadRequestError a malformed map or an absurd version (see checkMapVersion).
 */
export function verifyClusterMap(map: ClusterMap, pinned: PinnedMapKey | undefined, held = 0): PinnedMapKey {
  if (typeof map !== 'object' || map === null) throw new BadRequestError('cluster map must be an object');
  checkMapVersion(map.version, held);
  const chain = map.mapKeys;
  const signature = map.signature;
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > 1000) throw new UnauthorizedError('cluster map carries no signing key');
  if (typeof signature !== 'object' || signature === null || typeof signature.value !== 'string' || typeof signature.keyId !== 'string') {
    throw new UnauthorizedError('cluster map is not signed');
  }
  let start = 0;
  if (pinned) {
    start = chain.findIndex((link) => link?.keyId === pinned.keyId && link?.publicKey === pinned.publicKey);
    if (start < 0) throw new UnauthorizedError('cluster map is not signed by the pinned controller key (or a key it endorsed)');
  }
  let trusted = linkKey(chain[start], start);
  for (let i = start + 1; i < chain.length; i++) {
    const link = chain[i] as MapKeyLink;
    const key = linkKey(link, i);
    if (typeof link.endorsement !== 'string' || !verify(null, mapKeyEndorsementBytes(link), trusted, Buffer.from(link.endorsement, 'base64url'))) {
      throw new UnauthorizedError(`cluster map key ${link.keyId} is not endorsed by the key before it`);
    }
    trusted = key;
  }
  const signer = chain[chain.length - 1] as MapKeyLink;
  if (signature.keyId !== signer.keyId) throw new UnauthorizedError('cluster map is signed by another key than its last mapKeys link');
  let bytes: Buffer;
  try {
    bytes = clusterMapSigningBytes(map);
  } catch (cause) {
    throw new BadRequestError('cluster map holds values JSON cannot carry', { cause });
  }
  if (!verify(null, bytes, trusted, Buffer.from(signature.value, 'base64url'))) throw new UnauthorizedError('invalid cluster map signature');
  return { keyId: signer.keyId, publicKey: signer.publicKey };
}

function linkKey(link: MapKeyLink | undefined, index: number): KeyObject {
  const key = parseEd25519PublicKey(link?.publicKey);
  if (!link || !key || keyIdOf(key) !== link.keyId) throw new UnauthorizedError(`cluster map key #${index} is not a valid Ed25519 key with its id`);
  return key;
}
