// Builds the app's lists with plain DOM calls. Data from the server only ever becomes text
// (textContent / text nodes), never markup.

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string>} [children]
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const name of Object.keys(attrs)) node.setAttribute(name, attrs[name]);
  for (const child of children) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/** @param {number} ms */
export function clockTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "4:05" for a duration. @param {number} ms */
export function duration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** @param {Array<[string, string | Node]>} rows */
function details(rows) {
  const list = el('dl');
  for (const [term, value] of rows) list.append(el('div', {}, [el('dt', {}, [term]), el('dd', {}, [value])]));
  return list;
}

/** @param {string} label @param {string} action @param {string} id @param {string} describedBy @param {string} [kind] */
function button(label, action, id, describedBy, kind = '') {
  const attrs = { type: 'button', 'data-action': action, 'data-id': id, 'aria-describedby': describedBy };
  return el('button', kind ? { ...attrs, class: kind } : attrs, [label]);
}

/**
 * A pending sign-in or action request.
 * @param {{ id: string, requester: string, userName: string, terminalName: string, actionName: string,
 *   createdAt: number, expiresAt: number, automationAllowed: boolean }} request
 */
export function requestCard(request) {
  const titleId = `request-${request.id}`;
  const expires = el('span', { 'data-expires-at': String(request.expiresAt) });
  const actions = el('div', { class: 'actions' }, [
    button('Grant', 'grant', request.id, titleId, 'primary'),
    button('Deny', 'deny', request.id, titleId, 'danger'),
  ]);
  if (request.automationAllowed) actions.append(button('Always for this terminal and action', 'always', request.id, titleId));
  return el('li', { class: 'card request', 'data-request-id': request.id }, [
    el('h3', { id: titleId }, [`${request.actionName} at ${request.requester}`]),
    details([
      ['User', request.userName],
      ['Terminal', request.terminalName],
      ['Made', clockTime(request.createdAt)],
      ['Expires', expires],
    ]),
    actions,
  ]);
}

/** @param {{ id: string, requester: string, userName: string }} pairing */
export function pendingPairingCard(pairing) {
  const titleId = `pairing-request-${pairing.id}`;
  return el('li', { class: 'card', 'data-pairing-id': pairing.id }, [
    el('h3', { id: titleId }, [`${pairing.requester} wants to pair`]),
    details([['User', pairing.userName]]),
    el('div', { class: 'actions' }, [
      button('Accept', 'accept', pairing.id, titleId, 'primary'),
      button('Refuse', 'refuse', pairing.id, titleId, 'danger'),
    ]),
  ]);
}

/** An enabled pairing with its live one-time password. @param {{ id: string, requester: string, userName: string }} pairing */
export function pairingCard(pairing) {
  const titleId = `pairing-${pairing.id}`;
  return el('li', { class: 'card', 'data-pairing-id': pairing.id }, [
    el('h3', { id: titleId }, [pairing.requester]),
    details([
      ['User', pairing.userName],
      ['One-time password', el('span', { class: 'otp', 'data-otp-for': pairing.id }, ['······'])],
    ]),
    el('p', { class: 'otp-timer', 'data-otp-timer-for': pairing.id }, ['']),
    el('div', { class: 'actions' }, [button('Remove', 'remove', pairing.id, titleId, 'danger')]),
  ]);
}

/**
 * Replaces a list's items; shows `empty` instead when there are none.
 * @param {HTMLElement} list @param {HTMLElement | null} empty @param {Node[]} items
 */
export function fill(list, empty, items) {
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
  if (empty) empty.hidden = items.length > 0;
}
