import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export interface DemoUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
}

interface StoredUser extends DemoUser {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export const DEMO_PASSWORD = 'demo-password';
const KEY_LENGTH = 32;

async function hashPassword(password: string, salt: Buffer): Promise<Buffer> {
  return scryptAsync(password.normalize('NFKC'), salt, KEY_LENGTH);
}

/** An in-memory user directory with scrypt-hashed passwords (the demo's "database"). */
export class UserDirectory {
  private readonly _byName = new Map<string, StoredUser>();

  static async withDemoUsers(): Promise<UserDirectory> {
    const directory = new UserDirectory();
    await directory.add({ id: 'u-alice', username: 'alice', displayName: 'Alice' }, DEMO_PASSWORD);
    await directory.add({ id: 'u-bob', username: 'bob', displayName: 'Bob' }, DEMO_PASSWORD);
    return directory;
  }

  async add(user: DemoUser, password: string): Promise<void> {
    const salt = randomBytes(16);
    this._byName.set(user.username, { ...user, salt, hash: await hashPassword(password, salt) });
  }

  findById(id: string): DemoUser | undefined {
    for (const user of this._byName.values()) if (user.id === id) return publicUser(user);
    return undefined;
  }

  /** Resolves the user when the password matches; always spends one hash to hide which names exist. */
  async verify(username: string, password: string): Promise<DemoUser | undefined> {
    const stored = this._byName.get(username);
    const salt = stored?.salt ?? Buffer.alloc(16);
    const hash = await hashPassword(password, salt);
    if (stored === undefined || !timingSafeEqual(hash, stored.hash)) return undefined;
    return publicUser(stored);
  }
}

function publicUser(user: StoredUser): DemoUser {
  return { id: user.id, username: user.username, displayName: user.displayName };
}
