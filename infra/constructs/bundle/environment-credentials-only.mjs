/**
 * Stands in, inside the Lambda bundles, for the AWS SDK credential providers
 * Lambda never reaches: SSO, shared ini files, credential processes and web
 * identity tokens (with the STS, SSO and sign-in clients they bring, about
 * 100 KB). Lambda puts the function role's credentials in the environment, and
 * the SDK's default chain tries the environment first. Should it ever get this
 * far, each stub declines, so the chain moves on and ends with the SDK's own
 * "Could not load credentials from any providers".
 */
const declining = (name) => () => async () => {
  const error = new Error(`${name} is not in this Lambda bundle: it reads credentials from the environment.`);
  error.name = 'CredentialsProviderError';
  error.tryNextLink = true;
  throw error;
};

export const fromSSO = declining('fromSSO');
export const fromIni = declining('fromIni');
export const fromProcess = declining('fromProcess');
export const fromTokenFile = declining('fromTokenFile');
