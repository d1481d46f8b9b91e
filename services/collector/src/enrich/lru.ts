interface Node<K, V> {
  readonly key: K;
  value: V;
  /** Towards the most recently used end. */
  newer: Node<K, V> | undefined;
  /** Towards the least recently used end. */
  older: Node<K, V> | undefined;
}

/**
 * A bounded least-recently-used cache: a Map for lookup plus a doubly linked recency list.
 * A hit only relinks two nodes; the Map itself is never iterated, because V8 walks over
 * deleted slots when iterating from the front, which makes Map-order LRUs slow under churn.
 */
export class LruCache<K, V> {
  readonly #nodes = new Map<K, Node<K, V>>();
  readonly #capacity: number;
  #newest: Node<K, V> | undefined;
  #oldest: Node<K, V> | undefined;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** The value for `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    this.#makeNewest(node);
    return node.value;
  }

  /** Stores `value` as the most recently used, dropping the least recently used when full. */
  set(key: K, value: V): void {
    const known = this.#nodes.get(key);
    if (known !== undefined) {
      known.value = value;
      this.#makeNewest(known);
      return;
    }
    if (this.#nodes.size >= this.#capacity) this.deleteOldest();
    const node: Node<K, V> = { key, value, newer: undefined, older: this.#newest };
    if (this.#newest === undefined) this.#oldest = node;
    else this.#newest.newer = node;
    this.#newest = node;
    this.#nodes.set(key, node);
  }

  /** The least recently used value, left where it is. */
  peekOldest(): V | undefined {
    return this.#oldest?.value;
  }

  deleteOldest(): void {
    const node = this.#oldest;
    if (node === undefined) return;
    this.#unlink(node);
    this.#nodes.delete(node.key);
  }

  #makeNewest(node: Node<K, V>): void {
    if (node === this.#newest) return;
    this.#unlink(node);
    node.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = node;
    else this.#newest.newer = node;
    this.#newest = node;
  }

  #unlink(node: Node<K, V>): void {
    if (node.newer === undefined) this.#newest = node.older;
    else node.newer.older = node.older;
    if (node.older === undefined) this.#oldest = node.newer;
    else node.older.newer = node.newer;
    node.newer = undefined;
    node.older = undefined;
  }
}
