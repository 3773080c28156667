// Packet drops inside the lab's own network namespace, through nftables: a table `tcplab` of
// family `inet` (the namespace's own IP packets) or `bridge` (frames through a bridge the lab
// made), with a chain per hook asked for; the tables die with the namespace and are deleted at
// teardown.

import type { DropOptions } from '../lab/define.js';
import type { Commands } from './command.js';

const TABLE = 'tcplab';
const HOOKS = ['input', 'output'];
const FAMILIES = ['inet', 'bridge'];

export class Firewall {
  /** Families whose table exists. */
  private readonly tables = new Set<string>();
  /** Chains created so far, as `family table hook`. */
  private readonly chains = new Set<string>();

  constructor(private readonly commands: Commands) {}

  /** Adds `rule ... counter drop` to the chain of `options` (inet input unless told), creating what is missing. */
  async drop(rule: string, options: DropOptions = {}): Promise<void> {
    const { hook = 'input', family = 'inet' } = options;
    if (!HOOKS.includes(hook)) throw new TypeError(`Expected the \`hook\` option to be 'input' or 'output', got \`${String(hook)}\` (${typeof hook})`);
    if (!FAMILIES.includes(family)) throw new TypeError(`Expected the \`family\` option to be 'inet' or 'bridge', got \`${String(family)}\` (${typeof family})`);
    const chain = `${family} ${TABLE} ${hook}`;
    const script = [
      ...(this.tables.has(family) ? [] : [`add table ${family} ${TABLE}`]),
      ...(this.chains.has(chain) ? [] : [`add chain ${chain} { type filter hook ${hook} priority 0 ; policy accept ; }`]),
      `add rule ${chain} ${rule} counter drop`,
    ].join('\n');
    const r = await this.commands.run('nft', ['-f', '-'], script + '\n');
    if (r.code !== 0) throw new Error(`nft refused the rule \`${rule}\`: ${r.stderr.trim().split('\n')[0]}`);
    this.tables.add(family);
    this.chains.add(chain);
  }

  /** Removes every drop rule of the lab. */
  async clear(): Promise<void> {
    if (this.chains.size === 0) return;
    const script = [...this.chains].map((chain) => `flush chain ${chain}`).join('\n');
    const r = await this.commands.run('nft', ['-f', '-'], script + '\n');
    if (r.code !== 0) throw new Error(`nft could not remove the drop rules: ${r.stderr.trim().split('\n')[0]}`);
  }

  async teardown(): Promise<void> {
    for (const family of this.tables) await this.commands.run('nft', ['delete', 'table', family, TABLE]).catch(() => undefined);
  }
}
