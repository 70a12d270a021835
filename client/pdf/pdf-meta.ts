import type { PdfMeta } from '../../shared/index.js';
import { pdfMetaSchema } from '../../shared/schemas/entities.js';
import { ClientValidationError } from '../errors.js';
import type { SyncDatabase } from '../storage/sync-database.js';

/**
 * The local index of cached PDFs (the blobs live elsewhere): what is cached, how big, when last used.
 * Eviction is a plan the app carries out (it owns the blobs): least recently used first, until the total
 * fits the byte budget.
 */
export interface PdfMetaIndex {
  record(entry: Omit<PdfMeta, 'id' | 'cachedAt' | 'lastUsedAt'>): Promise<PdfMeta>;
  touch(id: string): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  /** The entries to evict, least recently used first, so that what remains totals at most `budgetBytes`. */
  evictionPlan(budgetBytes: number): Promise<PdfMeta[]>;
}

export function pdfMetaIndex(db: SyncDatabase, now: () => number): PdfMetaIndex {
  return {
    async record(entry: Omit<PdfMeta, 'id' | 'cachedAt' | 'lastUsedAt'>): Promise<PdfMeta> {
      const at = now();
      const row = { ...entry, id: `${entry.projectId}:${entry.studyId}:${entry.fileName}`, cachedAt: at, lastUsedAt: at };
      const parsed = pdfMetaSchema.safeParse(row);
      if (!parsed.success) throw new ClientValidationError(parsed.error.issues.map((i) => i.message).join('; '));
      await db.pdfMeta.put(parsed.data);
      return parsed.data;
    },
    async touch(id: string): Promise<void> {
      await db.pdfMeta.update(id, { lastUsedAt: now() });
    },
    async remove(ids: readonly string[]): Promise<void> {
      await db.pdfMeta.bulkDelete([...ids]);
    },
    /** The entries to evict, least recently used first, so that what remains totals at most `budgetBytes`. */
    async evictionPlan(budgetBytes: number): Promise<PdfMeta[]> {
      const byUse = await db.pdfMeta.orderBy('lastUsedAt').toArray();
      let total = byUse.reduce((sum, e) => sum + e.size, 0);
      const plan: PdfMeta[] = [];
      for (const entry of byUse) {
        if (total <= budgetBytes) break;
        plan.push(entry);
        total -= entry.size;
      }
      return plan;
    },
  };
}
