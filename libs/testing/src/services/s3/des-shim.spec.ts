import crypto from 'node:crypto';
import { ensureDesForS3rver } from './des-shim';

describe('ensureDesForS3rver', () => {
  const key = Buffer.alloc(8, 'S3RVER', 'utf8'); // the key s3rver uses for continuation tokens
  const iv = Buffer.alloc(8, 1);
  // Produced by single DES-CBC under `node --openssl-legacy-provider`.
  const expected = '9264e1d9cc2cd15bb329cb2847cfea107036a874d753d374';

  beforeAll(() => ensureDesForS3rver());

  it("makes 'des' produce real single-DES ciphertext and round-trip", () => {
    const cipher = crypto.createCipheriv('des', key, iv);
    const encrypted = Buffer.concat([cipher.update('hello world 12345', 'utf8'), cipher.final()]);
    expect(encrypted.toString('hex')).toBe(expected);
    const decipher = crypto.createDecipheriv('des', key, iv);
    expect(Buffer.concat([decipher.update(encrypted), decipher.final()]).toString('utf8')).toBe(
      'hello world 12345',
    );
  });

  it('leaves other algorithms alone and is idempotent', () => {
    const before = crypto.createCipheriv;
    ensureDesForS3rver();
    expect(crypto.createCipheriv).toBe(before);
    const aesKey = Buffer.alloc(32, 7);
    const c = crypto.createCipheriv('aes-256-cbc', aesKey, Buffer.alloc(16));
    const out = Buffer.concat([c.update('x'), c.final()]);
    const d = crypto.createDecipheriv('aes-256-cbc', aesKey, Buffer.alloc(16));
    expect(Buffer.concat([d.update(out), d.final()]).toString()).toBe('x');
  });
});
