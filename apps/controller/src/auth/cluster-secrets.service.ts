import { Injectable, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { generateSecret, generateTokenKeyPair } from '@mcos/common';
import { StateRepository } from '../database/state.repository';

/**
 * The cluster's own secrets, made on first start and kept in the database:
 * the cluster credential (agents and controller present it to each other)
 * and the Ed25519 key pair that signs user tokens (public half in the map).
 */
@Injectable()
export class ClusterSecretsService implements OnModuleInit {
  private credential?: string;
  private publicKeyPem?: string;
  private privateKey?: KeyObject;

  constructor(private readonly state: StateRepository) {}

  async onModuleInit(): Promise<void> {
    this.credential = await this.state.setIfAbsent('clusterCredential', generateSecret());
    const privatePem = await this.state.setIfAbsent('tokenPrivateKey', generateTokenKeyPair().privateKeyPem);
    this.privateKey = createPrivateKey(privatePem);
    // Derived, not stored: the pair can never disagree.
    this.publicKeyPem = createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  get clusterCredential(): string {
    return this.required(this.credential);
  }

  get tokenPublicKeyPem(): string {
    return this.required(this.publicKeyPem);
  }

  get tokenPrivateKey(): KeyObject {
    return this.required(this.privateKey);
  }

  private required<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('Cluster secrets are not loaded yet');
    return value;
  }
}
