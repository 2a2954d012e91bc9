import type { NextFunction, Request, Response } from 'express';

/**
 * Refuses a form POST that a browser sent from another site, without a
 * session: the sign-in form needs no stored session (and no CSRF token in
 * one) until the password was right. Browsers say where a request comes from
 * in `Sec-Fetch-Site`, or else in `Origin`; a request with neither is not a
 * browser's cross-site form and passes.
 */
export function refuseCrossOrigin(req: Request, res: Response, next: NextFunction): void {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') {
      next();
      return;
    }
  } else {
    const origin = req.get('origin');
    if (origin === undefined || sameHost(origin, req.get('host'))) {
      next();
      return;
    }
  }
  res.status(403).type('text').send('This form was sent from another site. Open the sign-in page of this site and try again.');
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
