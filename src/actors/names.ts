// Unique, readable actor names: client, client2, client3 ...

export class ActorNames {
  private used = new Set<string>();

  take(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.used.has(name); n += 1) name = `${wanted}${n}`;
    this.used.add(name);
    return name;
  }

  release(name: string): void {
    this.used.delete(name);
  }
}
