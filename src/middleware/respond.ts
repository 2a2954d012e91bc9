import type { Request, Response } from 'express';
import {
  renderNameTerminalPage,
  renderPairPage,
  renderPendingPage,
  renderReplayPage,
  renderResultPage,
  resolveStrings,
  type NameTerminalPageModel,
  type PairPageModel,
  type PendingPageModel,
  type ReplayPageModel,
  type ResultPageModel,
  type PageStrings,
} from '../views/index.js';
import { resolveMessages, type MiddlewareMessages } from './messages.js';
import type { ResolvedToopherOptions, ToopherView } from './options.js';

type Without<M> = Omit<M, 'basePath' | 'strings'>;

/** Page models without the fields every page gets from the configuration. */
export interface PageModels {
  readonly pair: Without<PairPageModel>;
  readonly nameTerminal: Without<NameTerminalPageModel>;
  readonly pending: Without<PendingPageModel>;
  readonly result: Without<ResultPageModel>;
  readonly replay: Without<ReplayPageModel>;
}

/** True when the client asked for JSON rather than a page (fetch/XHR). */
export function wantsJson(req: Request): boolean {
  if (req.xhr) return true;
  const accept = req.headers.accept;
  if (accept === undefined || accept === '') return false;
  return req.accepts(['html', 'json']) === 'json';
}

/** Sends JSON that no cache keeps. */
export function sendJson(res: Response, status: number, body: Readonly<Record<string, unknown>>): void {
  res.status(status);
  res.set('Cache-Control', 'no-store');
  res.json(body);
}

/** Renders pages with the app's overrides and strings, never cached. */
export class Pages {
  readonly strings: PageStrings;
  readonly messages: MiddlewareMessages;
  private readonly _options: ResolvedToopherOptions;

  constructor(options: ResolvedToopherOptions) {
    this._options = options;
    this.strings = resolveStrings(options.strings);
    this.messages = resolveMessages(options.strings);
  }

  async send<K extends keyof PageModels>(res: Response, status: number, page: K, model: PageModels[K]): Promise<void> {
    const full = { ...model, basePath: this._options.config.basePath, strings: this.strings };
    const override = this._options.views[page] as ToopherView<typeof full> | undefined;
    let body: string;
    if (typeof override === 'string') {
      body = await new Promise<string>((resolve, reject) => {
        res.render(override, full, (err: Error | null, rendered?: string) =>
          err ? reject(err) : resolve(rendered ?? ''),
        );
      });
    } else if (override !== undefined) {
      body = override(full);
    } else {
      body = renderDefault(page, full);
    }
    res.status(status);
    res.set('Cache-Control', 'no-store');
    res.type('html');
    res.send(body);
  }

  /** A result page (or its JSON form for JSON clients). */
  async result(
    req: Request,
    res: Response,
    status: number,
    model: Without<ResultPageModel>,
    json: Readonly<Record<string, unknown>> = {},
  ): Promise<void> {
    if (wantsJson(req)) {
      sendJson(res, status, { state: model.status, message: model.message, ...json });
      return;
    }
    await this.send(res, status, 'result', model);
  }

  /** A refusal: a result page linking back to `defaultReturnTo` (or JSON with `state`). */
  refuse(
    req: Request,
    res: Response,
    status: number,
    text: { readonly title: string; readonly message: string },
    options: { readonly status?: ResultPageModel['status']; readonly state?: string } = {},
  ): Promise<void> {
    return this.result(
      req,
      res,
      status,
      { ...text, status: options.status ?? 'error', continueUrl: this._options.config.defaultReturnTo },
      options.state === undefined ? {} : { state: options.state },
    );
  }
}

function renderDefault(page: keyof PageModels, model: unknown): string {
  switch (page) {
    case 'pair':
      return renderPairPage(model as PairPageModel);
    case 'nameTerminal':
      return renderNameTerminalPage(model as NameTerminalPageModel);
    case 'pending':
      return renderPendingPage(model as PendingPageModel);
    case 'result':
      return renderResultPage(model as ResultPageModel);
    case 'replay':
      return renderReplayPage(model as ReplayPageModel);
  }
}
