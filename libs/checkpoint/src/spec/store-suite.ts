import { checkpointSuite } from './checkpoint-suite';
import type { OpenStore } from './fixtures';
import { gcSuite } from './gc-suite';
import { objectStoreSuite } from './object-store-suite';

/** The whole store suite, run once per backend (filesystem, S3 protocol). */
export function describeStoreSuite(backend: string, open: OpenStore): void {
  describe(`checkpoint store on ${backend}`, () => {
    objectStoreSuite(open);
    checkpointSuite(open);
    gcSuite(open);
  });
}
