import { debuglog } from 'node:util';

/** Enable with NODE_DEBUG=passport-toopher. Never log secrets, cookies or bodies. */
export const debug = debuglog('passport-toopher');
