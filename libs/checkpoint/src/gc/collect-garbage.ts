import { mapBounded } from '../concurrency';
import { ContentStore } from '../content/content-store';
import { parseKey, TENANTS_PREFIX } from '../content/layout';
import type { ListedObject, ObjectStore } from '../object-store/object-store';
import { ReachableObjects } from './mark';

export interface GcOptions {
  /**
   * Unreferenced objects younger than this are kept: they may belong to a checkpoint being
   * written right now (chunks go in before its manifest and ref). Must exceed the longest
   * checkpoint and the ContentStore's refreshAfterMs.
   */
  graceMs: number;
  /** Report what would be deleted, delete nothing. */
  dryRun?: boolean;
  concurrency?: number;
  now?: () => number;
}

export interface GcReport {
  dryRun: boolean;
  graceMs: number;
  tenants: number;
  scannedObjects: number;
  /** Objects some ref still needs. */
  reachable: number;
  /** Objects deleted (or, in a dry run, that would be). */
  deleted: number;
  /** Stored (compressed) bytes of those objects. */
  bytesFreed: number;
  /** Unreferenced but younger than the grace period. */
  keptYoung: number;
  /** Refs whose manifest is gone: reported, nothing to mark from them. */
  danglingRefs: number;
  /** Tenants left untouched because something they reference could not be read. */
  skippedTenants: string[];
  errors: string[];
}

interface TenantListing {
  objects: Map<string, ListedObject>;
  checkpointIds: Set<string>;
}

/**
 * Mark and sweep over every tenant: mark everything reachable from the refs (manifests →
 * pages → chunks, trees → files), then delete unreferenced objects older than the grace
 * period. Objects are listed before refs are read, and each candidate's age is checked again
 * just before it is deleted, so a checkpoint that refreshed an old object while GC ran keeps it.
 */
export async function collectGarbage(objects: ObjectStore, options: GcOptions): Promise<GcReport> {
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 16;
  const report: GcReport = {
    dryRun: options.dryRun ?? false,
    graceMs: options.graceMs,
    tenants: 0,
    scannedObjects: 0,
    reachable: 0,
    deleted: 0,
    bytesFreed: 0,
    keptYoung: 0,
    danglingRefs: 0,
    skippedTenants: [],
    errors: [],
  };
  const listings = await listTenants(objects, report);
  for (const [tenant, listing] of listings) {
    const reachable = await markTenant(objects, tenant, listing, concurrency, report);
    if (!reachable) continue;
    const candidates = [...listing.objects.entries()]
      .filter(([hash]) => !reachable.has(hash))
      .map(([, o]) => o);
    report.reachable += listing.objects.size - candidates.length;
    const old = candidates.filter((o) => now() - o.lastModified >= options.graceMs);
    report.keptYoung += candidates.length - old.length;
    await sweep(objects, old, options, concurrency, report);
  }
  return report;
}

async function listTenants(
  objects: ObjectStore,
  report: GcReport,
): Promise<Map<string, TenantListing>> {
  const tenants = new Map<string, TenantListing>();
  for await (const listed of objects.list(TENANTS_PREFIX)) {
    const parsed = parseKey(listed.key);
    if (!parsed) continue;
    let listing = tenants.get(parsed.tenant);
    if (!listing)
      tenants.set(parsed.tenant, (listing = { objects: new Map(), checkpointIds: new Set() }));
    if (parsed.kind === 'object') {
      listing.objects.set(parsed.hash, listed);
      report.scannedObjects++;
    } else {
      listing.checkpointIds.add(parsed.checkpointId);
    }
  }
  report.tenants = tenants.size;
  return tenants;
}

/** The tenant's reachable hashes, or undefined (tenant skipped) when marking failed. */
async function markTenant(
  objects: ObjectStore,
  tenant: string,
  listing: TenantListing,
  concurrency: number,
  report: GcReport,
): Promise<Set<string> | undefined> {
  const marker = new ReachableObjects(new ContentStore(objects, tenant, { concurrency }));
  try {
    await mapBounded([...listing.checkpointIds], concurrency, async (id) => {
      if (await marker.markCheckpoint(id)) return;
      report.danglingRefs++;
      report.errors.push(
        `tenant ${tenant}: a ref names checkpoint ${id}, whose manifest is missing; delete that session's checkpoints`,
      );
    });
    return marker.hashes;
  } catch (err) {
    report.skippedTenants.push(tenant);
    report.errors.push(`tenant ${tenant} not swept: ${(err as Error).message}`);
    return undefined;
  }
}

async function sweep(
  objects: ObjectStore,
  candidates: ListedObject[],
  options: GcOptions,
  concurrency: number,
  report: GcReport,
): Promise<void> {
  const now = options.now ?? Date.now;
  const stillOld = options.dryRun
    ? candidates
    : (
        await mapBounded(candidates, concurrency, async (o) => {
          const info = await objects.head(o.key);
          return info && now() - info.lastModified >= options.graceMs
            ? { ...o, size: info.size }
            : undefined;
        })
      ).filter((o): o is ListedObject => o !== undefined);
  if (!options.dryRun) await objects.delete(stillOld.map((o) => o.key));
  report.deleted += stillOld.length;
  report.bytesFreed += stillOld.reduce((n, o) => n + o.size, 0);
}
