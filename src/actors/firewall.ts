// Packet drops inside the lab's own network namespace, through nftables: one table
// (`inet tcplab`) with an input chain; it dies with the namespace and is deleted at teardown.

import type { Commands } from './command.js';

const TABLE = 'tcplab';

export class Firewall {
  private ready = false;

  constructor(private readonly commands: Commands) {}

  async drop(rule: string): Promise<void> {
    const script = [
      ...(this.ready ? [] : [`add table inet ${TABLE}`, `add chain inet ${TABLE} input { type filter hook input priority 0 ; policy accept ; }`]),
      `add rule inet ${TABLE} input ${rule} counter drop`,
    ].join('\n');
    const r = await this.commands.run('nft', ['-f', '-'], script + '\n');
    if (r.code !== 0) throw new Error(`nft refused the rule \`${rule}\`: ${r.stderr.trim().split('\n')[0]}`);
    this.ready = true;
  }

  /** Removes every drop rule of the lab. */
  async clear(): Promise<void> {
    if (!this.ready) return;
    const r = await this.commands.run('nft', ['flush', 'chain', 'inet', TABLE, 'input']);
    if (r.code !== 0) throw new Error(`nft could not remove the drop rules: ${r.stderr.trim().split('\n')[0]}`);
  }

  async teardown(): Promise<void> {
    if (this.ready) await this.commands.run('nft', ['delete', 'table', 'inet', TABLE]).catch(() => undefined);
  }
}
