// The one error of the inventory: what was asked cannot be read here (no such process, another
// user's process, no /proc). Its message is one line that says what to do; the CLI prints it.

export class InventoryError extends Error {
  override name = 'InventoryError';
}
