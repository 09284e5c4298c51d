// CommonJS, the classic index.handler; also a nested property path.
exports.handler = async (event) => ({ kind: 'cjs', event });
exports.nested = { deeper: { fn: async () => 'nested property' } };
exports.notAFunction = 42;
