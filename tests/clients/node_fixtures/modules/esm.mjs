// .mjs: always an ES module.
export const handler = async () => ({ kind: 'mjs', url: import.meta.url.endsWith('/esm.mjs') });
