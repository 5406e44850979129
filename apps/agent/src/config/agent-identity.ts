/** Who this agent is in the cluster: its service name, region and URL. */
export class AgentIdentity {
  constructor(
    readonly name: string,
    readonly region: string,
    readonly url: string,
  ) {}
}
