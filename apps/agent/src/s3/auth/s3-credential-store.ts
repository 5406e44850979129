/** What an access key stands for: its secret and the MCOS user it belongs to. */
export interface S3Credential {
  secret: string;
  owner: string;
}

/**
 * The port the SigV4 verifier looks access keys up through. The agent's
 * implementation answers from its copy of the controller's keys (so it keeps
 * working while the controller is down); tests use a map.
 *
 * Contract: resolves `undefined` for a key that does not exist, was revoked,
 * or whose user is gone; never rejects for an unknown key. A rejection means
 * the store itself failed (the door answers 500/503, not an auth error).
 */
export abstract class S3CredentialStore {
  abstract lookup(accessKeyId: string): Promise<S3Credential | undefined>;
}
