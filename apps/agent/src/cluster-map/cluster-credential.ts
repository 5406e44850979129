/** The cluster credential once the agent has it (from registration or from disk). */
export class ClusterCredential {
  value?: string;
}
