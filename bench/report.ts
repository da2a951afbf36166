/** What one benchmark part returns; bench/run.ts prints `rows` as a table and saves it all. */
export interface BenchReport {
  name: string;
  rows: Array<Record<string, string | number>>;
  notes?: string[];
}
