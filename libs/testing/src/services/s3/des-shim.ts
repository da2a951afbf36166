import crypto from 'node:crypto';

const INSTALLED = Symbol.for('claude-session-backend.testing.s3rver-des-shim');

type CipherFactory = (
  algorithm: string,
  key: crypto.CipherKey,
  iv: crypto.BinaryLike | null,
  options?: object,
) => crypto.Cipheriv | crypto.Decipheriv;

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node ≥ 17)
 * only offers with --openssl-legacy-provider: without it every truncated listing is a 500.
 * 3DES-EDE with the key repeated three times is bit-for-bit single DES (E·D·E with one key
 * collapses to E), so 'des' is rerouted to 'des-ede3-cbc'. Every other algorithm is untouched,
 * and nothing is patched when the runtime still has DES.
 */
export function ensureDesForS3rver(): void {
  const target = crypto as typeof crypto & { [INSTALLED]?: true };
  if (target[INSTALLED] || desAvailable()) return;
  patch('createCipheriv');
  patch('createDecipheriv');
  target[INSTALLED] = true;
}

function patch(name: 'createCipheriv' | 'createDecipheriv'): void {
  const original = crypto[name] as CipherFactory;
  const replacement: CipherFactory = (algorithm, key, iv, options) =>
    isSingleDes(algorithm, key)
      ? original.call(crypto, 'des-ede3-cbc', Buffer.concat([key, key, key]), iv, options)
      : original.call(crypto, algorithm, key, iv, options);
  Object.defineProperty(crypto, name, {
    value: replacement,
    writable: true,
    configurable: true,
    enumerable: true,
  });
}

function isSingleDes(algorithm: string, key: crypto.CipherKey): key is Buffer {
  const name = algorithm.toLowerCase();
  return (name === 'des' || name === 'des-cbc') && Buffer.isBuffer(key) && key.length === 8;
}

function desAvailable(): boolean {
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}
