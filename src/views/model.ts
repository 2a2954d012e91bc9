import type { PageStrings } from './strings.js';

/** Fields every page model has. */
export interface BasePageModel {
  /** Mount path of the Toopher router, e.g. `'/toopher'`; assets are served below it. */
  readonly basePath: string;
  /** Per-page overrides of the default sentences. */
  readonly strings?: Partial<PageStrings>;
}
