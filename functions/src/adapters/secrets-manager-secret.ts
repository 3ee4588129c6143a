/** Reads one secret's value from Secrets Manager: the portal's session key, at cold start. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export async function readSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
  const secret = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!secret.SecretString) throw new Error(`The secret ${secretId} has no string value`);
  return secret.SecretString;
}
