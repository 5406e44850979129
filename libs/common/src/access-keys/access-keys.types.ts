/**
 * S3 access keys: what the controller's API, the agents' user API and the
 * CLI exchange, and what the controller hands to agents. The secret crosses
 * the wire in plaintext exactly once, in the answer that made it; agents
 * only ever receive it sealed to their own X25519 key (see sealAccessKeys).
 *
 * Controller
 *   POST   /v1/users/{name}/keys        admin -> 201 CreatedAccessKey
 *   GET    /v1/users/{name}/keys        admin -> AccessKeyView[]
 *   DELETE /v1/users/{name}/keys/{id}   admin -> 204
 *   POST|GET /v1/me/keys, DELETE /v1/me/keys/{id}   the same for the token's own user
 *   POST   /v1/agent/access-keys        an agent's assertion; AgentAccessKeysRequest -> AgentAccessKeysAnswer
 * Agent user API
 *   POST|GET /v1/keys, DELETE /v1/keys/{id}   forwarded to the controller's /v1/me/keys with the caller's token
 */

/** `MCOS` + 16 base32 characters (80 random bits): 20 characters, like AWS's. */
export const ACCESS_KEY_ID_PATTERN = /^MCOS[A-Z2-7]{16}$/;
/** Most access keys one user may hold (409 beyond). */
export const MAX_ACCESS_KEYS_PER_USER = 10;

/** A key as listed: never its secret. */
export interface AccessKeyView {
  accessKeyId: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, to the minute, as the agents report it; absent until first used. */
  lastUsedAt?: string;
}

/** The answer that makes a key: the only time its secret is shown. */
export interface CreatedAccessKey {
  accessKeyId: string;
  /** 40 characters; shown once, never again. */
  secretAccessKey: string;
  /** ISO 8601. */
  createdAt: string;
}

/** What an agent sends when it fetches the cluster's keys. */
export interface AgentAccessKeysRequest {
  /** The agent's X25519 public key (raw 32 bytes, base64url): the answer's secrets are sealed to it. */
  sealingKey: string;
  /** Ed25519 signature (base64url) by the agent's identity key over sealingKeyBindingBytes(agent, sealingKey). */
  sealingKeySignature: string;
  /** The accessKeysVersion of the set the agent holds: an unchanged set is answered without the keys. */
  haveVersion?: number;
  /** When keys were last used at this agent: access key id -> ms since the epoch (to the minute). */
  lastUsed?: Record<string, number>;
}

/** One key as an agent receives it: the secret sealed, the rest in clear (bound to the secret as associated data). */
export interface SealedAccessKey {
  accessKeyId: string;
  owner: string;
  /** The owner's token generation when the key was made: the key dies with it (password reset, deletion). */
  generation: number;
  /** 12-byte AES-GCM nonce, base64url. */
  iv: string;
  /** AES-256-GCM ciphertext followed by its 16-byte tag, base64url. */
  sealed: string;
}

/** The sealed key set; an agent keeps it on disk as it is. */
export interface SealedAccessKeySet {
  /** The controller's accessKeysVersion this set is from. */
  version: number;
  /** The agent it is sealed for (part of every key's associated data). */
  agent: string;
  /** Ephemeral X25519 public key of this answer (raw, base64url). */
  ephemeralKey: string;
  /** HKDF salt of this answer, base64url. */
  salt: string;
  keys: SealedAccessKey[];
}

export type AgentAccessKeysAnswer = { unchanged: true; version: number } | { unchanged: false; set: SealedAccessKeySet };
