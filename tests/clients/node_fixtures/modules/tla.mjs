// Top-level await: init (and so the first /next) waits for it.
const ready = await new Promise((resolve) => setTimeout(() => resolve('awaited at init'), 100));
export const handler = async () => ready;
