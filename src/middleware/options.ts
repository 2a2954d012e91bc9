import * as z from 'zod';
import { ToopherConfigError } from '../errors.js';
import {
  describeIssues,
  finishConfig,
  strategyOptionShape,
  type ResolvedToopherConfig,
  type ToopherStrategyOptions,
} from '../engine/options.js';
import type {
  NameTerminalPageModel,
  PairPageModel,
  PendingPageModel,
  ReplayPageModel,
  ResultPageModel,
  PageStrings,
} from '../views/index.js';
import type { MiddlewareMessages } from './messages.js';

/**
 * A page override: a function returning the HTML document, or the name of a
 * template rendered with the app's view engine (`res.render(name, model)`).
 */
export type ToopherView<M> = ((model: M) => string) | string;

/** Replacements for the default pages. */
export interface ToopherViews {
  readonly pair?: ToopherView<PairPageModel>;
  readonly nameTerminal?: ToopherView<NameTerminalPageModel>;
  readonly pending?: ToopherView<PendingPageModel>;
  readonly result?: ToopherView<ResultPageModel>;
  readonly replay?: ToopherView<ReplayPageModel>;
}

/** Every sentence shown to users, overridable for translation. */
/** Every sentence shown to users, the type of the `strings` option: the pages' and the middleware's. */
export type ToopherStrings = PageStrings & MiddlewareMessages;

/** Options of `createToopher(options)`: the strategy's options plus pages. */
export interface ToopherOptions<TUser = unknown> extends ToopherStrategyOptions<TUser> {
  /** Replace any page with your own function or view-engine template. */
  readonly views?: ToopherViews;
  /** Override any sentence (page strings and middleware messages), e.g. to translate. */
  readonly strings?: Partial<ToopherStrings>;
}

/** The validated middleware configuration. */
export interface ResolvedToopherOptions {
  readonly config: ResolvedToopherConfig;
  readonly views: ToopherViews;
  readonly strings: Partial<ToopherStrings>;
}

const view = z.union([
  z.custom<(model: never) => string>((value) => typeof value === 'function', 'must be a function or a view name'),
  z.string().min(1).max(200),
]);

const optionsSchema = z.strictObject({
  ...strategyOptionShape,
  views: z
    .strictObject({
      pair: view.optional(),
      nameTerminal: view.optional(),
      pending: view.optional(),
      result: view.optional(),
      replay: view.optional(),
    })
    .optional(),
  strings: z.record(z.string(), z.string().max(2000)).optional(),
});

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type SchemaInput = z.input<typeof optionsSchema>;
const sameKeys: SameKeys<ToopherOptions, SchemaInput> = true;
const fits: ToopherOptions extends SchemaInput ? true : false = true;
void sameKeys;
void fits;

/** Validates `createToopher` options once; throws `ToopherConfigError` naming the option, never its value. */
export function resolveToopherOptions(options: unknown): ResolvedToopherOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ToopherConfigError(`Invalid createToopher options: ${describeIssues(parsed.error, options)}.`, {
      cause: parsed.error,
    });
  }
  const { views, strings, ...rest } = parsed.data;
  return Object.freeze({
    config: finishConfig(rest, 'createToopher'),
    views: Object.freeze({ ...(views ?? {}) }) as ToopherViews,
    strings: Object.freeze({ ...(strings ?? {}) }),
  });
}
