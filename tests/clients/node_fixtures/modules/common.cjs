exports.handler = async () => ({ kind: 'cjs extension', typeofRequire: typeof require });
