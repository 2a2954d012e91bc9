/** Executed transfers, kept in memory for the demo's /transfers.json (one list per app instance). */
export interface Transfer {
  readonly id: number;
  readonly user: string;
  readonly amount: string;
  readonly recipient: string;
  readonly at: string;
}

export class TransferLog {
  private readonly _items: Transfer[] = [];

  record(user: string, amount: string, recipient: string): Transfer {
    const transfer = { id: this._items.length + 1, user, amount, recipient, at: new Date().toISOString() };
    this._items.push(transfer);
    return transfer;
  }

  list(): readonly Transfer[] {
    return this._items;
  }
}
